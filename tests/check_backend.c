/* The live backend's xl config text reader (backend/domain_config.c),
 * which needs no running Xen: every key it maps, and the refusals.  The
 * JSON path is libxl's own and needs a libxl context, which needs Xen:
 * tests/xen/ restores real JSON configs. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "domain_config.h"
#include "testutil.h"

static libxl_domain_config d;
static char *err;

static void setup(void)
{
    libxl_domain_config_init(&d);
    err = NULL;
}

static void teardown(void)
{
    libxl_domain_config_dispose(&d);
    free(err);
}

/* No libxl context: the text reader uses none for these keys. */
static int parse(const char *cfg)
{
    free(err);
    return xs_domain_config_parse(NULL, "guest.cfg", cfg, strlen(cfg), false,
                                  &d, &err);
}

START_TEST(pv_guest)
{
    ck_assert_int_eq(parse("name = \"web\"\n"
                           "type = \"pv\"\n"
                           "uuid = \"3e0a6d2e-9c1c-4a50-8a8e-5f4f2b7c9d10\"\n"
                           "memory = 512\nmaxmem = 1024\n"
                           "vcpus = 2\nmaxvcpus = 4\n"
                           "kernel = \"/boot/vmlinuz\"\n"
                           "ramdisk = \"/boot/initrd\"\n"
                           "root = \"/dev/xvda1\"\nextra = \"console=hvc0\"\n"
                           "on_poweroff = \"destroy\"\n"
                           "on_reboot = \"rename-restart\"\n"
                           "on_crash = \"coredump-restart\"\n"),
                     0);
    ck_assert_str_eq(d.c_info.name, "web");
    ck_assert_int_eq(d.c_info.type, LIBXL_DOMAIN_TYPE_PV);
    ck_assert_int_eq(d.b_info.type, LIBXL_DOMAIN_TYPE_PV);
    ck_assert_uint_eq(d.b_info.target_memkb, 512 * 1024);
    ck_assert_uint_eq(d.b_info.max_memkb, 1024 * 1024);
    ck_assert_int_eq(d.b_info.max_vcpus, 4);
    ck_assert(libxl_bitmap_test(&d.b_info.avail_vcpus, 1));
    ck_assert(!libxl_bitmap_test(&d.b_info.avail_vcpus, 2));
    ck_assert_str_eq(d.b_info.kernel, "/boot/vmlinuz");
    ck_assert_str_eq(d.b_info.ramdisk, "/boot/initrd");
    ck_assert_str_eq(d.b_info.cmdline, "root=/dev/xvda1 console=hvc0");
    ck_assert_int_eq(d.on_poweroff, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
    ck_assert_int_eq(d.on_reboot, LIBXL_ACTION_ON_SHUTDOWN_RESTART_RENAME);
    ck_assert_int_eq(d.on_crash, LIBXL_ACTION_ON_SHUTDOWN_COREDUMP_RESTART);
    char u[40];
    snprintf(u, sizeof(u), LIBXL_UUID_FMT, LIBXL_UUID_BYTES(d.c_info.uuid));
    ck_assert_str_eq(u, "3e0a6d2e-9c1c-4a50-8a8e-5f4f2b7c9d10");
}
END_TEST

START_TEST(cmdline_wins_and_builder)
{
    ck_assert_int_eq(parse("name = \"a\"\nbuilder = \"hvm\"\n"
                           "cmdline = \"quiet\"\nextra = \"ignored\"\n"
                           "device_model_version = \"qemu-xen\"\n"
                           "boot = \"dc\"\n"),
                     0);
    ck_assert_int_eq(d.c_info.type, LIBXL_DOMAIN_TYPE_HVM);
    ck_assert_str_eq(d.b_info.cmdline, "quiet");
    ck_assert_str_eq(d.b_info.u.hvm.boot, "dc");
    ck_assert_int_eq(d.b_info.device_model_version,
                     LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN);
}
END_TEST

START_TEST(devices)
{
    ck_assert_int_eq(parse("name = \"a\"\ntype = \"pvh\"\n"
                           "disk = [ 'phy:/dev/vg/a,xvda,w', "
                           "'file:/srv/b.img,xvdb,r' ]\n"
                           "vif = [ 'mac=00:16:3e:01:02:0a,bridge=xenbr0,"
                           "ip=10.0.0.2,type=vif,mtu=9000', 'bridge=br1' ]\n"),
                     0);
    ck_assert_int_eq(d.num_disks, 2);
    ck_assert_str_eq(d.disks[0].vdev, "xvda");
    ck_assert_str_eq(d.disks[1].pdev_path, "/srv/b.img");
    ck_assert_int_eq(d.disks[1].readwrite, 0);
    ck_assert_int_eq(d.num_nics, 2);
    ck_assert_uint_eq(d.nics[0].mac[5], 0x0a);
    ck_assert_str_eq(d.nics[0].bridge, "xenbr0");
    ck_assert_str_eq(d.nics[0].ip, "10.0.0.2");
    ck_assert_int_eq(d.nics[0].nictype, LIBXL_NIC_TYPE_VIF);
    ck_assert_int_eq(d.nics[0].mtu, 9000);
    ck_assert_int_eq(d.nics[1].devid, 1);
}
END_TEST

/* Each refused config names what is wrong. */
static const struct {
    const char *cfg, *says;
} refused[] = {
    {"type = \"pv\"\n", "no name="},
    {"name = \"a\"\npci = [ '01:00.0' ]\n", "'pci'"},
    {"name = \"a\"\nvfb = [ 'vnc=1' ]\n", "'vfb'"},
    {"name = \"a\"\ntype = \"pvhx\"\n", "unknown type 'pvhx'"},
    {"name = \"a\"\nmemory = \"lots\"\n", "memory"},
    {"name = \"a\"\nvcpus = 0\n", "vcpus"},
    {"name = \"a\"\non_crash = \"explode\"\n", "unknown action 'explode'"},
    {"name = \"a\"\nuuid = \"not-a-uuid\"\n", "bad uuid"},
    {"name = \"a\"\nvif = [ 'mac=00:16:3e:1:2' ]\n", "bad mac"},
    {"name = \"a\"\nvif = [ 'mac=00:16:3e:01:02:03:04' ]\n", "bad mac"},
    {"name = \"a\"\nvif = [ 'bridge' ]\n", "not key=value"},
    {"name = \"a\"\nvif = [ 'rate=10Mb/s' ]\n", "'rate' is not read"},
    {"name = \"a\"\nvif = [ 'mtu=0' ]\n", "bad mtu"},
    {"name = \"a\"\nvif = [ 'type=tap' ]\n", "unknown type 'tap'"},
    {"name = \"a\"\ndisk = [ 'bogus=1' ]\n", "disk"},
    {"name = \"a\" memory = 1\n", "syntax"},
};

START_TEST(refusals)
{
    ck_assert_int_eq(parse(refused[_i].cfg), ERROR_INVAL);
    ck_assert_msg(strstr(err, refused[_i].says) &&
                      strncmp(err, "guest.cfg: ", 11) == 0,
                  "'%s' gave '%s'", refused[_i].cfg, err);
}
END_TEST

/* parse() again, into a fresh configuration */
static int reparse(const char *cfg)
{
    libxl_domain_config_dispose(&d);
    libxl_domain_config_init(&d);
    return parse(cfg);
}

/* A refusal is one line, whole: a long value quoted in it is kept (past
 * XS_FINDING_MSG_MAX, its start and end with [...] between); libxlutil's
 * own syntax message joins it rather than going to the terminal raw. */
START_TEST(refusals_whole)
{
    static char cfg[60000], mac[50000];
    memset(mac, 'f', 1000);
    mac[1000] = '\0';
    snprintf(cfg, sizeof(cfg), "name = \"a\"\nvif = [ 'mac=%s' ]\n", mac);
    ck_assert_int_eq(reparse(cfg), ERROR_INVAL);
    ck_assert_msg(strstr(err, mac) != NULL, "cut: %zu bytes", strlen(err));
    ck_assert_uint_eq(strlen(err), strlen("guest.cfg: vif: bad mac ''") + 1000);
    memset(mac, 'f', 40000);
    mac[40000] = '\0';
    snprintf(cfg, sizeof(cfg), "name = \"a\"\nvif = [ 'mac=%s' ]\n", mac);
    ck_assert_int_eq(reparse(cfg), ERROR_INVAL);
    ck_assert_uint_eq(strlen(err), XS_FINDING_MSG_MAX - 1);
    ck_assert(strncmp(err, "guest.cfg: vif: bad mac 'fff", 28) == 0);
    ck_assert(strstr(err, "[...]") != NULL);
    ck_assert(strcmp(err + strlen(err) - 4, "fff'") == 0);
    ck_assert_int_eq(reparse("name = \"a\"\nmemory = = 1\n"), ERROR_INVAL);
    ck_assert_msg(strstr(err, "not valid xl config syntax (libxlutil: guest.cfg:2") &&
                      !strchr(err, '\n'),
                  "gave '%s'", err);
}
END_TEST

START_TEST(json_detection)
{
    ck_assert(xs_domain_config_is_json(" \n{\"c_info\": {}}", 16));
    ck_assert(!xs_domain_config_is_json("name = \"{\"", 10));
    ck_assert(!xs_domain_config_is_json("   ", 3));
}
END_TEST

/* The domain name comes from the image: it never leads the root-owned
 * log out of /var/log/xen. */
START_TEST(watcher_log_stays_in_its_directory)
{
    static const struct {
        const char *name, *log;
    } cases[] = {
        {"guest-1.example", "/var/log/xen/xenstream-guest-1.example.log"},
        {"../../etc/cron.d/x", "/var/log/xen/xenstream-_._.._etc_cron.d_x.log"},
        {".hidden", "/var/log/xen/xenstream-_hidden.log"},
        {"a\nb\033[2J", "/var/log/xen/xenstream-a_b__2J.log"},
        {"", "/var/log/xen/xenstream-_.log"},
        {NULL, "/var/log/xen/xenstream-_.log"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[256];
        watcher_log_path(cases[i].name, path, sizeof(path));
        ck_assert_str_eq(path, cases[i].log);
    }
}
END_TEST

/* The core dump's path too: the name never leads it out of its directory. */
START_TEST(core_dump_stays_in_its_directory)
{
    static const struct {
        const char *name, *path;
    } cases[] = {
        {"guest-1", "/var/lib/xen/dump/guest-1.7.core"},
        {"../../etc/cron.d/x", "/var/lib/xen/dump/_._.._etc_cron.d_x.7.core"},
        {".hidden", "/var/lib/xen/dump/_hidden.7.core"},
        {"", "/var/lib/xen/dump/_.7.core"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[256];
        watcher_core_path(cases[i].name, 7, path, sizeof(path));
        ck_assert_str_eq(path, cases[i].path);
    }
}
END_TEST

/* libxl's messages (they quote the image's config) reach standard error
 * escaped, their lines and progress \r kept. */
START_TEST(libxl_log_escaped)
{
    char path[] = "/tmp/check_backend.XXXXXX";
    int fd = mkstemp(path), saved = dup(STDERR_FILENO);
    ck_assert(fd >= 0 && saved >= 0);
    unlink(path);
    fflush(stderr);
    dup2(fd, STDERR_FILENO);
    FILE *f = libxl_log_stream();
    fprintf(f, "libxl: error: domain '\033]0;x\007\033[2J' \xc3\xa9\b\n\rprogress\n");
    fflush(f);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    char buf[256] = {0};
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    close(fd);
    ck_assert_int_gt(n, 0);
    ck_assert_str_eq(buf, "libxl: error: domain '\\x1b]0;x\\x07\\x1b[2J' \xc3\xa9\\b\n"
                          "\rprogress\n");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("backend");
    TCase *t = tcase_create("xl config text");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, pv_guest);
    tcase_add_test(t, cmdline_wins_and_builder);
    tcase_add_test(t, devices);
    tcase_add_loop_test(t, refusals, 0,
                        (int)(sizeof(refused) / sizeof(refused[0])));
    tcase_add_test(t, refusals_whole);
    tcase_add_test(t, json_detection);
    tcase_add_test(t, watcher_log_stays_in_its_directory);
    tcase_add_test(t, core_dump_stays_in_its_directory);
    tcase_add_test(t, libxl_log_escaped);
    suite_add_tcase(s, t);
    return tu_run(s);
}
