# Sourced by the scripts that run in the Xen testbed's dom0 (testbed.sh
# installs it as /lib.sh beside /test.sh): the XS-TEST lines, and the
# guest console's counter that says a restored guest runs on.
fails=0
passes=0
log() { echo "XS-TEST $*"; }
pass() { passes=$((passes + 1)); log "PASS $*"; }
fail() { fails=$((fails + 1)); log "FAIL $*"; }
check() { # NAME COMMAND...
    name=$1; shift
    out=$("$@" 2>&1)
    rc=$?
    [ -n "$out" ] && echo "$out" | tail -8 | sed 's/^/    /'
    if [ $rc -eq 0 ]; then pass "$name"; else fail "$name"; return 1; fi
}

console() { echo "/var/log/xen/console/guest-$1.log"; }
# the guest's counter: the last tick its console printed
last_tick() {
    sed -n 's/.*xs-guest tick \([0-9]*\).*/\1/p' "$(console "$1")" 2>/dev/null |
        tail -1
}
# wait until the guest's counter passes $2 (it runs again, from its state)
ticks_after() { # NAME N
    i=0
    while [ $i -lt 120 ]; do
        t=$(last_tick "$1")
        [ -n "$t" ] && [ "$t" -gt "$2" ] && return 0
        sleep 1
        i=$((i + 1))
    done
    echo "console of $1 stopped at tick '$(last_tick "$1")' (wanted > $2)"
    return 1
}
no_domain() { # NAME
    if xl domid "$1" >/dev/null 2>&1; then
        echo "domain $1 was left behind:"; xl list; return 1
    fi
}
# before a restore: where the console log ends
mark() { if [ -f "$(console "$1")" ]; then wc -l <"$(console "$1")"; else echo 0; fi; }
# after a restore: the counter goes on from where it was saved (the first
# tick printed after MARK is not below it, as a fresh boot's 1 would be)
# and keeps going
runs_on() { # NAME SAVED_TICK MARK
    i=0
    while [ $i -lt 120 ]; do
        new=$(tail -n +$(($3 + 1)) "$(console "$1")" 2>/dev/null |
              sed -n 's/.*xs-guest tick \([0-9]*\).*/\1/p')
        first=$(echo "$new" | head -1)
        last=$(echo "$new" | tail -1)
        if [ -n "$last" ] && [ "$last" -gt $(($2 + 2)) ]; then
            echo "$1: saved at tick $2, counted on from tick $first to $last"
            [ "$first" -ge "$2" ]
            return
        fi
        sleep 1
        i=$((i + 1))
    done
    echo "$1: console stopped (ticks after the restore: '$first'..'$last')"
    return 1
}
