#!/usr/bin/python3
"""What tests/store.sh expects of `xenstream verify` over a store, and the
checks of each report format against it (issue 18).

    store-check.py expect XS OUT.json [--walk] [-L] [--images-only]
                   [-- VERIFY-OPTION...] -- IN...
        the expected results of `verify [-r] [-L] [--images-only]
        [VERIFY-OPTION...] IN...`, in input order, as a JSON list: a walk
        is depth first, each directory's entries in byte order of their
        names; each regular file's result is what `verify --json FILE` and
        `verify FILE` say of it alone (its JSON object, its stdout and
        stderr bytes)
    store-check.py check FORMAT REPORT EXPECT.json STATUS SCHEMAS [XEN]
        REPORT (the report's standard output) in FORMAT against the
        expectation; STATUS is the run's exit status; SCHEMAS the directory
        of junit-10.xsd and sarif-schema-2.1.0.json.  Prints one FAIL line
        per fault, exits 1 on any.

Run with /usr/bin/python3: Debian's python3-jsonschema and python3-yaml.
"""
import json
import os
import re
import stat
import subprocess
import sys
import urllib.parse
import xml.etree.ElementTree as ET

NOT_REGULAR = "input.not_regular"


# ---------------------------------------------------------------- expect
def solo(xs, path, opts):
    """verify alone on one path: its JSON object, stdout, stderr, status"""
    j = subprocess.run([xs, "verify", "--json"] + opts + [path],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       timeout=60)
    t = subprocess.run([xs, "verify"] + opts + [path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    obj = json.loads(j.stdout)
    assert j.returncode == t.returncode == obj["status"], (path, j, t)
    return {"status": obj["status"], "solo": obj,
            "text": t.stdout.hex(), "err": t.stderr.hex()}


def not_an_image(obj):
    # what --images-only skips: the first bytes identify no image
    return any(f["rule"] == "detect.unknown" for f in obj["findings"])


def expect(argv):
    xs, out = argv[0], argv[1]
    argv = argv[2:]
    walk = follow = images_only = False
    opts = []
    while argv[0] != "--":
        a = argv.pop(0)
        walk |= a == "--walk"
        follow |= a == "-L"
        images_only |= a == "--images-only"
    argv.pop(0)
    if "--" in argv:
        i = argv.index("--")
        opts, argv = argv[:i], argv[i + 1:]
    res = []
    walked = set()

    def entry(path, **kw):
        e = {"path": os.fsencode(path).hex(), "skipped": False}
        e.update(kw)
        res.append(e)

    def regular(path):
        r = solo(xs, path, opts)
        if images_only and not_an_image(r["solo"]):
            entry(path, skipped=True, status=0)
        else:
            entry(path, **r)

    def visit(path, stack, top):
        try:
            st = os.lstat(path)
        except OSError:
            entry(path, status=3, io=True)
            return
        if stat.S_ISLNK(st.st_mode) and not top:
            if not follow:
                entry(path, skipped=True, status=0, link=True)
                return
            try:
                st = os.stat(path)
            except OSError:  # dangling, or a loop of links
                entry(path, status=3, io=True)
                return
        elif top:
            try:
                st = os.stat(path)
            except OSError:
                entry(path, status=3, io=True)
                return
        if stat.S_ISDIR(st.st_mode):
            if not walk:
                entry(path, **solo(xs, path, opts))  # as today: an I/O error
                return
            key = (st.st_dev, st.st_ino)
            if key in walked:
                # a directory walked already (-L: a second link to it, or a
                # loop back to one being walked): skipped, not walked again
                entry(path, skipped=True, status=0, again=True)
                return
            walked.add(key)
            try:
                names = sorted(os.listdir(os.fsencode(path)))
            except OSError:
                entry(path, status=3, io=True)
                return
            for n in names:
                visit(os.path.join(os.fsencode(path), n).decode(
                    "utf-8", "surrogateescape"), stack + [key], False)
        elif stat.S_ISREG(st.st_mode):
            regular(path)
        elif top:
            # named on the command line: as today (opened and read)
            entry(path, **solo(xs, path, opts))
        elif images_only:
            entry(path, skipped=True, status=0)
        else:
            entry(path, status=1, rules=[NOT_REGULAR])

    for a in argv:
        visit(a, [], True)
    with open(out, "w") as f:
        json.dump(res, f)


# ----------------------------------------------------------------- check
fails = []


def fail(msg):
    fails.append(msg)
    print("FAIL: " + msg)


def pbytes(e):
    return bytes.fromhex(e["path"])


def pname(e):
    return pbytes(e).decode("utf-8", "replace")


def xml_safe(b):
    # a name an XML 1.0 attribute can carry exactly
    try:
        s = b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(ord(c) < 32 and c not in "\t\n\r" for c in s)


def unescape(shown):
    r"""the bytes of a name as text output shows it (floor/report.c):
    \\ \b \t \n \r \xHH \uXXXX escaped, and TAP's \# ; None if the
    escapes do not parse"""
    out = bytearray()
    i = 0
    simple = {"\\": b"\\", "b": b"\b", "t": b"\t", "n": b"\n", "r": b"\r",
              "#": b"#"}
    while i < len(shown):
        c = shown[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        k = shown[i + 1:i + 2]
        if k in simple:
            out += simple[k]
            i += 2
        elif k == "x" and re.fullmatch(r"[0-9a-f]{2}", shown[i + 2:i + 4]):
            out.append(int(shown[i + 2:i + 4], 16))
            i += 4
        elif k == "u" and re.fullmatch(r"[0-9a-f]{4}", shown[i + 2:i + 6]):
            out += chr(int(shown[i + 2:i + 6], 16)).encode("utf-8")
            i += 6
        else:
            return None
    return bytes(out)


def findings(e):
    if e["skipped"]:
        return []
    if "solo" in e:
        return e["solo"]["findings"]
    if e.get("rules"):
        return [{"severity": "error", "rule": r} for r in e["rules"]]
    return [{"severity": "error", "rule": "io"}]


def counts(exp):
    c = {"files": len(exp), "valid": 0, "invalid": 0, "io_errors": 0,
         "skipped": 0}
    for e in exp:
        if e["skipped"]:
            c["skipped"] += 1
        elif e["status"] == 0:
            c["valid"] += 1
        elif e["status"] == 3:
            c["io_errors"] += 1
        else:
            c["invalid"] += 1
    return c


def check_object(i, e, o):
    """one jsonl object (or json files[] element) against its entry"""
    where = "#%d %r" % (i + 1, pbytes(e))
    name = o.get("file")
    if "file_bytes" in o:
        got = bytes.fromhex(o["file_bytes"])
    else:
        got = name.encode("utf-8") if isinstance(name, str) else None
    if got != pbytes(e):
        fail("%s: file %r (file_bytes %r)" % (where, name, o.get("file_bytes")))
        return
    if e["skipped"]:
        if o.get("skipped") is not True or o.get("status") != 0 or \
                not isinstance(o.get("reason"), str) or not o["reason"]:
            fail("%s: expected skipped with a reason, status 0: %s" % (where, o))
        return
    if o.get("skipped"):
        fail("%s: skipped, expected a result (status %d): %s"
             % (where, e["status"], o))
        return
    if "solo" in e:
        want = e["solo"]
        if e["status"] == 3 and o.get("status") == 3:
            # an I/O error's message may say how the walk opened the file
            o = dict(o, findings=[dict(f, message="") for f in o.get("findings", [])])
            want = dict(want, findings=[dict(f, message="") for f in want["findings"]])
        if o != want:
            fail("%s: differs from verify --json alone:\n  got  %s\n  want %s"
                 % (where, json.dumps(o), json.dumps(e["solo"])))
        return
    if o.get("status") != e["status"] or o.get("valid") is not False:
        fail("%s: status %s valid %s, expected %d"
             % (where, o.get("status"), o.get("valid"), e["status"]))
    rules = [f.get("rule") for f in o.get("findings", [])]
    if e.get("rules") and rules != e["rules"]:
        fail("%s: rules %s, expected %s" % (where, rules, e["rules"]))
    if e.get("io") and (not rules or o.get("errors", 0) < 1):
        fail("%s: an I/O error without a finding: %s" % (where, o))


def check_jsonl(text, exp, status, xen):
    lines = text.split(b"\n")
    if lines[-1] != b"":
        fail("jsonl: does not end with a newline")
    lines = lines[:-1]
    if len(lines) != len(exp):
        fail("jsonl: %d lines for %d files" % (len(lines), len(exp)))
    for i, (line, e) in enumerate(zip(lines, exp)):
        try:
            o = json.loads(line)
        except ValueError as err:
            fail("jsonl line %d: %s: %r" % (i + 1, err, line[:200]))
            continue
        if line.count(b"\n") or not line.isascii():
            fail("jsonl line %d: not one ASCII line" % (i + 1))
        check_object(i, e, o)


def check_json(text, exp, status, xen):
    try:
        doc = json.loads(text)
    except ValueError as err:
        fail("json: not one document: %s" % err)
        return
    if doc.get("tool") != "xenstream" or not isinstance(doc.get("version"), str):
        fail("json: tool/version: %s %s" % (doc.get("tool"), doc.get("version")))
    files = doc.get("files")
    if not isinstance(files, list) or len(files) != len(exp):
        fail("json: files: %d for %d" % (len(files or []), len(exp)))
        return
    for i, (o, e) in enumerate(zip(files, exp)):
        check_object(i, e, o)
    want = counts(exp)
    want["status"] = status
    if xen:
        want["xen"] = xen
    got = doc.get("summary")
    if got != want:
        fail("json: summary %s, expected %s" % (got, want))


SUMMARY = re.compile(
    rb"xenstream verify: (\d+) files?: (\d+) (?:valid|restores? on "
    rb"(?:Xen ([0-9.]+)|the host of .+?(?: \(Xen ([0-9.]+)\))?)), "
    rb"(\d+) (?:invalid|do not|does not), (\d+) unreadable, (\d+) skipped")


def check_text(text, exp, status, xen):
    lines = text.split(b"\n")
    if lines[-1] != b"":
        fail("text: does not end with a newline")
    lines = lines[:-1]
    if not lines:
        fail("text: empty")
        return
    m = SUMMARY.fullmatch(lines[-1])
    c = counts(exp)
    if not m:
        fail("text: last line is not the summary: %r" % lines[-1])
    else:
        got = [int(m.group(i)) for i in (1, 2, 5, 6, 7)]
        want = [c["files"], c["valid"], c["invalid"], c["io_errors"],
                c["skipped"]]
        if got != want:
            fail("text: summary %r, expected counts %s" % (lines[-1], want))
        if xen and (m.group(3) or m.group(4) or b"").decode() != xen:
            fail("text: summary without Xen %s: %r" % (xen, lines[-1]))
    body = b"\n".join(lines[:-1]) + b"\n" if len(lines) > 1 else b""
    # the result lines, in order: each file's lines as verify says alone
    pos = 0
    for i, e in enumerate(exp):
        if "solo" in e:
            want = bytes.fromhex(e["text"])
            if body[pos:pos + len(want)] != want:
                fail("text #%d: expected %r at byte %d, got %r"
                     % (i + 1, want, pos, body[pos:pos + len(want) + 40]))
                return
            pos += len(want)
            continue
        end = body.find(b"\n", pos)
        line = body[pos:end]
        pos = end + 1
        p = pbytes(e)
        if e["skipped"]:
            sep, tail = b": SKIPPED: ", None
        elif e["status"] == 3:
            sep, tail = b": FAILED: ", b"I/O error"
        else:
            sep, tail = b": INVALID: ", b"1 error, 0 warnings"
        shown, _, rest = line.partition(sep)
        ok = bool(rest) and (tail is None or rest == tail) and \
            unescape(shown.decode("utf-8", "replace")) == p
        if not ok:
            fail("text #%d %r: line %r" % (i + 1, p, line))
    if pos != len(body):
        fail("text: %d bytes more than expected: %r" % (len(body) - pos,
                                                         body[pos:pos + 200]))


def hexoff(f):
    return "0x%x" % f["offset"]


def check_junit(text, exp, status, schemas, report):
    r = subprocess.run(["xmllint", "--noout", "--schema",
                        os.path.join(schemas, "junit-10.xsd"), report],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        fail("junit: xmllint --schema junit-10.xsd: status %d:\n%s"
             % (r.returncode, r.stdout.decode("utf-8", "replace")[:3000]))
    try:
        root = ET.fromstring(text)
    except ET.ParseError as err:
        fail("junit: not well-formed XML: %s" % err)
        return
    if root.tag != "testsuites":
        fail("junit: root <%s>" % root.tag)
    suites = root.findall("testsuite")
    if len(suites) != 1:
        fail("junit: %d <testsuite>" % len(suites))
        return
    s = suites[0]
    c = counts(exp)
    if not re.fullmatch(r"xenstream verify( .*)?", s.get("name") or ""):
        fail("junit: testsuite name=%r" % s.get("name"))
    for attr, want in (("tests", c["files"]),
                       ("failures", c["invalid"]), ("errors", c["io_errors"]),
                       ("skipped", c["skipped"])):
        if attr == "skipped" and attr not in s.attrib:
            continue  # optional: the tools count <skipped/> themselves
        if s.get(attr) != str(want):
            fail("junit: testsuite %s=%r, expected %r" % (attr, s.get(attr), want))
    for el in root.iter():
        for a in ("time", "timestamp", "hostname"):
            if a in el.attrib:
                fail("junit: <%s %s=...>: differs between runs" % (el.tag, a))
    cases = s.findall("testcase")
    if len(cases) != len(exp):
        fail("junit: %d testcases for %d files" % (len(cases), len(exp)))
    for i, (tc, e) in enumerate(zip(cases, exp)):
        where = "junit testcase #%d %r" % (i + 1, pbytes(e))
        if tc.get("classname") != "xenstream.verify":
            fail("%s: classname %r" % (where, tc.get("classname")))
        # the name as text output shows it: plain, or escaped back to the
        # file's bytes
        if unescape(tc.get("name") or "") != pbytes(e):
            fail("%s: name %r" % (where, tc.get("name")))
        kids = [k.tag for k in tc]
        want = []
        if e["skipped"]:
            want = ["skipped"]
        elif e["status"] == 3:
            want = ["error"]
        elif e["status"] != 0:
            want = ["failure"]
        if [k for k in kids if k in ("skipped", "error", "failure")] != want:
            fail("%s: children %s, expected %s" % (where, kids, want))
            continue
        if not want:
            continue
        el = tc.find(want[0])
        if want[0] == "skipped":
            if not el.get("message"):
                fail("%s: <skipped> without a message" % where)
            continue
        if el.get("type") != ("io" if want[0] == "error" else "invalid"):
            fail("%s: <%s type=%r>" % (where, want[0], el.get("type")))
        body = el.text or ""
        if want[0] == "failure" and "solo" in e:
            s_ = e["solo"]
            m = re.fullmatch(r"(\d+) errors?, (\d+) warnings?", el.get("message") or "")
            if not m or (int(m.group(1)), int(m.group(2))) != (s_["errors"], s_["warnings"]):
                fail("%s: failure message %r, expected %d errors, %d warnings"
                     % (where, el.get("message"), s_["errors"], s_["warnings"]))
        lines = body.split("\n")
        for f in findings(e):
            hit = [ln for ln in lines if f["rule"] in ln and
                   ("offset" not in f or hexoff(f) in ln or
                    re.search(r"\b%d\b" % f["offset"], ln)) and
                   ("record" not in f or "#%d" % f["record"] in ln)]
            if not hit:
                fail("%s: finding %s (offset %s) not in the <%s> text:\n%s"
                     % (where, f["rule"], f.get("offset"), want[0], body[:600]))
                break


def check_tap(text, exp, status):
    lines = text.decode("utf-8", "replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0] != "TAP version 13":
        fail("tap: first line %r" % (lines[0] if lines else None))
        return
    plan = "1..%d" % len(exp)
    if plan not in (lines[1], lines[-1]):
        fail("tap: no plan %s first or last" % plan)
    n = 0
    i = 1
    test = re.compile(r"(ok|not ok) (\d+)(?: - (.*))?$")
    while i < len(lines):
        ln = lines[i]
        i += 1
        if ln == plan or ln.startswith("#"):
            continue
        m = test.match(ln)
        if not m:
            fail("tap: line %d is not a test line: %r" % (i, ln))
            continue
        n += 1
        if n > len(exp):
            fail("tap: test %d of a plan of %d" % (n, len(exp)))
            break
        e = exp[n - 1]
        where = "tap test %d %r" % (n, pbytes(e))
        if int(m.group(2)) != n:
            fail("%s: numbered %s" % (where, m.group(2)))
        desc = m.group(3) or ""
        # a '#' in a name is escaped: the directive is only ours
        directive = re.search(r"(?<!\\)#\s*(\S+)", desc)
        okw = "not ok" if (not e["skipped"] and e["status"] != 0) else "ok"
        if m.group(1) != okw:
            fail("%s: %r, expected %s" % (where, ln, okw))
        if e["skipped"]:
            if not directive or directive.group(1).upper() != "SKIP":
                fail("%s: skipped without # SKIP: %r" % (where, ln))
        elif directive:
            fail("%s: a directive in %r" % (where, ln))
        name = desc[:directive.start()].rstrip(" ") if directive else desc
        if unescape(name) != pbytes(e):
            fail("%s: description %r" % (where, desc))
        # a YAML block for a failure, with its findings
        if i < len(lines) and lines[i] == "  ---":
            j = i + 1
            while j < len(lines) and lines[j] != "  ...":
                if not lines[j].startswith("  "):
                    break
                j += 1
            if j >= len(lines) or lines[j] != "  ...":
                fail("%s: YAML block not closed by '  ...'" % where)
                continue
            block = "\n".join(lines[i + 1:j])
            i = j + 1
            try:
                import yaml
                y = yaml.safe_load(block)
            except Exception as err:  # noqa: BLE001 -- any YAML error
                fail("%s: YAML block does not parse: %s\n%s" % (where, err, block[:500]))
                continue
            flat = json.dumps(y)
            if "solo" in e:
                # the findings as verify --json gives them, key for key
                got = y.get("findings") if isinstance(y, dict) else None
                want = e["solo"]["findings"]
                if e["status"] == 3 and isinstance(got, list):
                    # an I/O error's message may say how the walk opened it
                    got = [dict(f, message="") for f in got]
                    want = [dict(f, message="") for f in want]
                if got != want:
                    fail("%s: YAML findings %s, expected %s"
                         % (where, json.dumps(got)[:400],
                            json.dumps(e["solo"]["findings"])[:400]))
            for f in findings(e):
                if f["rule"] not in flat:
                    fail("%s: finding %s not in the YAML block" % (where, f["rule"]))
        elif okw == "not ok":
            fail("%s: a failure without a YAML block" % where)
    if n != len(exp):
        fail("tap: %d tests for %d files" % (n, len(exp)))


def check_tap_perl(report, exp):
    c = counts(exp)
    script = r'''
use strict; use warnings; use TAP::Parser;
open(my $fh, "<", $ARGV[0]) or die; local $/; my $t = <$fh>;
my $p = TAP::Parser->new({ tap => $t });
while (my $r = $p->next) {}
my @e = $p->parse_errors;
printf "%d %d %d %d %d %d %s\n", $p->is_good_plan ? 1 : 0, scalar(@e),
    $p->tests_run, scalar($p->failed), scalar($p->skipped), $p->version,
    join(" | ", @e);
'''
    r = subprocess.run(["perl", "-e", script, report], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    out = r.stdout.decode("utf-8", "replace").strip()
    f = out.split(" ", 6)
    want = ["1", "0", str(c["files"]), str(c["invalid"] + c["io_errors"]),
            str(c["skipped"]), "13"]
    if f[:6] != want:
        fail("tap: TAP::Parser: good plan, parse errors, run, failed, skipped, "
             "version = %s, expected %s" % (out, " ".join(want)))


URI_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")


def check_sarif(text, exp, status, schemas):
    try:
        doc = json.loads(text)
    except ValueError as err:
        fail("sarif: not JSON: %s" % err)
        return
    import jsonschema
    with open(os.path.join(schemas, "sarif-schema-2.1.0.json")) as f:
        schema = json.load(f)
    errs = sorted(jsonschema.Draft4Validator(schema).iter_errors(doc),
                  key=lambda e: list(e.path))
    for err in errs[:5]:
        fail("sarif: schema: %s at %s" % (err.message[:300], list(err.path)))
    if doc.get("version") != "2.1.0" or len(doc.get("runs", [])) != 1:
        fail("sarif: version %s, %d runs" % (doc.get("version"), len(doc.get("runs", []))))
        return
    run = doc["runs"][0]
    drv = run.get("tool", {}).get("driver", {})
    if drv.get("name") != "xenstream":
        fail("sarif: driver name %r" % drv.get("name"))
    ids = [r.get("id") for r in drv.get("rules", [])]
    if len(set(ids)) != len(ids):
        fail("sarif: rule ids repeated: %s" % ids)
    res = run.get("results", [])
    # a skipped file: no finding, or (SARIF 3.27.9) one result of kind
    # notApplicable, level none; either for all of them
    na = any(r.get("kind") == "notApplicable" for r in res)
    skip = {"severity": "none", "rule": None, "skip": True}
    want = [(e, f) for e in exp
            for f in (([skip] if na else []) if e["skipped"] else findings(e))]
    if len(res) != len(want):
        fail("sarif: %d results for %d findings" % (len(res), len(want)))
    lev = {"error": "error", "warning": "warning", "note": "note",
           "none": "none"}
    for i, (r, (e, f)) in enumerate(zip(res, want)):
        where = "sarif result #%d (%r %s)" % (i + 1, pbytes(e), f["rule"])
        if f.get("skip"):
            if r.get("kind") != "notApplicable" or r.get("level") != "none":
                fail("%s: a skipped file's result: kind %r level %r" %
                     (where, r.get("kind"), r.get("level")))
            f = dict(f, rule=r.get("ruleId"))
        elif r.get("kind", "fail") != "fail":
            fail("%s: kind %r for a finding" % (where, r.get("kind")))
        if r.get("ruleId") != f["rule"]:
            fail("%s: ruleId %r" % (where, r.get("ruleId")))
        if r.get("ruleId") not in ids:
            fail("%s: ruleId %r not in the driver's rules" % (where, r.get("ruleId")))
        if "ruleIndex" in r and (r["ruleIndex"] >= len(ids) or
                                 ids[r["ruleIndex"]] != r.get("ruleId")):
            fail("%s: ruleIndex %r" % (where, r["ruleIndex"]))
        if r.get("level", "warning") != lev[f["severity"]]:
            fail("%s: level %r, severity %s" % (where, r.get("level"), f["severity"]))
        text = r.get("message", {}).get("text")
        if "message" in f and text != f["message"] and not (
                e["status"] == 3 and text):  # how the walk opened it
            fail("%s: message %r, verify --json says %r" % (where, text, f["message"]))
        elif not text:
            fail("%s: no message text" % where)
        locs = r.get("locations") or []
        if not locs:
            fail("%s: no location" % where)
            continue
        pl = locs[0].get("physicalLocation", {})
        uri = pl.get("artifactLocation", {}).get("uri", "")
        # a URI reference (RFC 3986) whose path is the file: no query or
        # fragment (a '#' or '?' of a name is percent-encoded), the path
        # percent-decoded to the name's bytes; or a file: URI of it
        u = urllib.parse.urlsplit(uri)
        path = u.path
        if not URI_CHARS.fullmatch(uri) or "?" in uri or "#" in uri or \
                u.scheme not in ("", "file") or (u.netloc and u.scheme != "file"):
            fail("%s: uri %r is not a URI reference to the file" % (where, uri))
        elif urllib.parse.unquote_to_bytes(path) != pbytes(e) and not (
                u.scheme == "file" and urllib.parse.unquote_to_bytes(path)
                == os.path.abspath(pbytes(e))):
            fail("%s: uri %r names %r" % (where, uri,
                                         urllib.parse.unquote_to_bytes(path)))
        if "offset" in f:
            if pl.get("region", {}).get("byteOffset") != f["offset"]:
                fail("%s: region %s, offset %d" % (where, pl.get("region"), f["offset"]))
        elif "region" in pl:
            fail("%s: a region for a finding without an offset: %s"
                 % (where, pl["region"]))


def check(argv):
    fmt, report, expf, status, schemas = argv[:5]
    xen = argv[5] if len(argv) > 5 else None
    status = int(status)
    with open(expf) as f:
        exp = json.load(f)
    with open(report, "rb") as f:
        text = f.read()
    worst = max([0] + [e["status"] for e in exp if not e["skipped"]])
    if status != worst:
        fail("%s: exit status %d, expected %d" % (fmt, status, worst))
    if fmt in ("jsonl", "json-compat"):
        check_jsonl(text, exp, status, xen)
    elif fmt == "json":
        check_json(text, exp, status, xen)
    elif fmt == "text":
        check_text(text, exp, status, xen)
    elif fmt == "junit":
        check_junit(text, exp, status, schemas, report)
    elif fmt == "tap":
        check_tap(text, exp, status)
        check_tap_perl(report, exp)
    elif fmt == "sarif":
        check_sarif(text, exp, status, schemas)
    else:
        sys.exit("unknown format " + fmt)
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    {"expect": expect, "check": check}[sys.argv[1]](sys.argv[2:])
