/*
 * Smoke test of the emulated big.LITTLE lab (Tests/Lab/lab.sh probe).
 *
 * Runs inside the guest as a static aarch64 binary.  It
 *   1. lists every /sys/bus/event_source/devices/<pmu>/{type,cpus};
 *   2. opens /dev/kvm, creates a VM + VCPU with the PMU_V3 feature and checks
 *      KVM_ARM_VCPU_PMU_V3_CTRL / KVM_ARM_VCPU_PMU_V3_SET_PMU for each arm
 *      PMU and for bogus types (expect ENXIO);
 *   3. for each arm PMU: SET_PMU + PMU INIT, then KVM_RUN a two-instruction
 *      guest with the thread pinned inside the PMU's CPUs (expect an MMIO
 *      exit), SET_PMU again (expect EBUSY), and KVM_RUN on a fresh VM pinned
 *      outside the PMU's CPUs (expect KVM_EXIT_FAIL_ENTRY).
 * Lines starting with "CHECK " are PASS/FAIL verdicts; the exit status is the
 * number of failed checks (0 = lab is healthy).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#ifndef KVM_ARM_VCPU_PMU_V3_CTRL
#define KVM_ARM_VCPU_PMU_V3_CTRL 0
#endif
#ifndef KVM_ARM_VCPU_PMU_V3_INIT
#define KVM_ARM_VCPU_PMU_V3_INIT 1
#endif
#ifndef KVM_ARM_VCPU_PMU_V3_SET_PMU
#define KVM_ARM_VCPU_PMU_V3_SET_PMU 3
#endif
#ifndef KVM_ARM_VCPU_PMU_V3
#define KVM_ARM_VCPU_PMU_V3 3
#endif

#define CORE_REG(x) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
                     (offsetof(struct kvm_regs, x) / sizeof(uint32_t)))

#define GUEST_CODE_IPA 0x10000ULL
#define GUEST_MMIO_IPA 0x20000000ULL

static int failures;

static void check(int ok, const char *what)
{
    printf("CHECK %s %s\n", ok ? "PASS" : "FAIL", what);
    if (!ok)
        failures++;
}

struct pmu {
    char name[256];
    int type;
    char cpus[64];     /* as read from sysfs, "" if absent */
    cpu_set_t set;
};

static struct pmu pmus[32];
static int npmus;
static int ncpus;

static int read_line(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    if (!fgets(buf, (int)n, f)) {
        fclose(f);
        return -1;
    }
    fclose(f);
    buf[strcspn(buf, "\n")] = 0;
    return 0;
}

static void parse_cpulist(const char *s, cpu_set_t *set)
{
    CPU_ZERO(set);
    while (*s) {
        char *end;
        long a = strtol(s, &end, 10), b = a;
        if (end == s)
            break;
        if (*end == '-')
            b = strtol(end + 1, &end, 10);
        for (long i = a; i <= b; i++)
            CPU_SET((int)i, set);
        s = *end == ',' ? end + 1 : end;
    }
}

static int cmp_pmu(const void *a, const void *b)
{
    return strcmp(((const struct pmu *)a)->name, ((const struct pmu *)b)->name);
}

static void list_pmus(void)
{
    const char *dir = "/sys/bus/event_source/devices";
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d) {
        printf("cannot open %s: %s\n", dir, strerror(errno));
        return;
    }
    while ((e = readdir(d)) && npmus < 32) {
        char path[512], buf[64];
        if (e->d_name[0] == '.')
            continue;
        struct pmu *p = &pmus[npmus];
        snprintf(p->name, sizeof p->name, "%s", e->d_name);
        snprintf(path, sizeof path, "%s/%s/type", dir, e->d_name);
        if (read_line(path, buf, sizeof buf))
            continue;
        p->type = atoi(buf);
        snprintf(path, sizeof path, "%s/%s/cpus", dir, e->d_name);
        if (read_line(path, p->cpus, sizeof p->cpus))
            p->cpus[0] = 0;
        parse_cpulist(p->cpus, &p->set);
        npmus++;
    }
    closedir(d);
    qsort(pmus, npmus, sizeof pmus[0], cmp_pmu);
    printf("== PMUs (%d) ==\n", npmus);
    for (int i = 0; i < npmus; i++)
        printf("pmu %-24s type=%-3d cpus=%s\n", pmus[i].name, pmus[i].type,
               pmus[i].cpus[0] ? pmus[i].cpus : "-");
}

static const char *errname(int e)
{
    switch (e) {
    case 0: return "OK";
    case ENXIO: return "ENXIO";
    case EBUSY: return "EBUSY";
    case EINVAL: return "EINVAL";
    case ENODEV: return "ENODEV";
    case EPERM: return "EPERM";
    case EFAULT: return "EFAULT";
    case EEXIST: return "EEXIST";
    case ENOENT: return "ENOENT";
    default: return strerror(e);
    }
}

/* ioctl returning 0 or errno */
static int xioctl(int fd, unsigned long req, void *arg)
{
    int r;
    do
        r = ioctl(fd, req, arg);
    while (r < 0 && errno == EINTR);
    return r < 0 ? errno : 0;
}

struct vm {
    int vm, vcpu;
    struct kvm_run *run;
    void *mem;
};

static int kvm_fd = -1;
static int run_size;

static int vm_create(struct vm *v)
{
    struct kvm_vcpu_init init;
    memset(v, 0, sizeof *v);
    v->vm = ioctl(kvm_fd, KVM_CREATE_VM, 0);
    if (v->vm < 0) {
        printf("KVM_CREATE_VM: %s\n", strerror(errno));
        return -1;
    }
    v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
    if (v->vcpu < 0) {
        printf("KVM_CREATE_VCPU: %s\n", strerror(errno));
        return -1;
    }
    memset(&init, 0, sizeof init);
    int e = xioctl(v->vm, KVM_ARM_PREFERRED_TARGET, &init);
    if (e) {
        printf("KVM_ARM_PREFERRED_TARGET: %s\n", errname(e));
        return -1;
    }
    init.features[0] |= 1u << KVM_ARM_VCPU_PMU_V3;
    e = xioctl(v->vcpu, KVM_ARM_VCPU_INIT, &init);
    if (e) {
        printf("KVM_ARM_VCPU_INIT(target=%u, PMU_V3): %s\n", init.target,
               errname(e));
        return -1;
    }
    v->run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                  v->vcpu, 0);
    if (v->run == MAP_FAILED) {
        printf("mmap kvm_run: %s\n", strerror(errno));
        return -1;
    }
    /* guest: str w0, [x1] ; b . */
    v->mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint32_t code[] = {0xb9000020, 0x14000000};
    memcpy(v->mem, code, sizeof code);
    struct kvm_userspace_memory_region r = {
        .slot = 0, .guest_phys_addr = GUEST_CODE_IPA, .memory_size = 0x10000,
        .userspace_addr = (uint64_t)(uintptr_t)v->mem,
    };
    e = xioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &r);
    if (e) {
        printf("KVM_SET_USER_MEMORY_REGION: %s\n", errname(e));
        return -1;
    }
    uint64_t pc = GUEST_CODE_IPA, x1 = GUEST_MMIO_IPA, x0 = 0x1234;
    struct kvm_one_reg regs[] = {
        {CORE_REG(regs.pc), (uint64_t)(uintptr_t)&pc},
        {CORE_REG(regs.regs[0]), (uint64_t)(uintptr_t)&x0},
        {CORE_REG(regs.regs[1]), (uint64_t)(uintptr_t)&x1},
    };
    for (unsigned i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        e = xioctl(v->vcpu, KVM_SET_ONE_REG, &regs[i]);
        if (e) {
            printf("KVM_SET_ONE_REG: %s\n", errname(e));
            return -1;
        }
    }
    return 0;
}

static void vm_destroy(struct vm *v)
{
    if (v->run && v->run != MAP_FAILED)
        munmap(v->run, run_size);
    if (v->mem)
        munmap(v->mem, 0x10000);
    if (v->vcpu > 0)
        close(v->vcpu);
    if (v->vm > 0)
        close(v->vm);
}

static int pmu_attr(int vcpu, unsigned long req, uint64_t attr, int *val)
{
    struct kvm_device_attr a = {
        .group = KVM_ARM_VCPU_PMU_V3_CTRL, .attr = attr,
        .addr = (uint64_t)(uintptr_t)val,
    };
    return xioctl(vcpu, req, &a);
}

static int set_pmu(int vcpu, int type)
{
    return pmu_attr(vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_SET_PMU,
                    &type);
}

static int pin(int cpu)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    return sched_setaffinity(0, sizeof s, &s) ? errno : 0;
}

/* KVM_RUN, retrying EINTR (a signal can interrupt the ioctl). */
static int vcpu_run(struct vm *v, int *eintr)
{
    int r;
    *eintr = 0;
    for (;;) {
        r = ioctl(v->vcpu, KVM_RUN, 0);
        if (r < 0 && errno == EINTR) {
            (*eintr)++;
            continue;
        }
        return r < 0 ? errno : 0;
    }
}

static void run_report(struct vm *v, int e, int eintr, char *buf, size_t n)
{
    if (e) {
        snprintf(buf, n, "KVM_RUN error %s", errname(e));
        return;
    }
    struct kvm_run *r = v->run;
    if (r->exit_reason == KVM_EXIT_MMIO)
        snprintf(buf, n, "exit=MMIO(6) addr=0x%llx write=%u len=%u eintr=%d",
                 (unsigned long long)r->mmio.phys_addr, r->mmio.is_write,
                 r->mmio.len, eintr);
    else if (r->exit_reason == KVM_EXIT_FAIL_ENTRY)
        snprintf(buf, n,
                 "exit=FAIL_ENTRY(9) hardware_entry_failure_reason=0x%llx "
                 "cpu=%u eintr=%d",
                 (unsigned long long)
                     r->fail_entry.hardware_entry_failure_reason,
                 r->fail_entry.cpu, eintr);
    else
        snprintf(buf, n, "exit=%u eintr=%d", r->exit_reason, eintr);
}

static int first_cpu(const cpu_set_t *s, int inside)
{
    for (int c = 0; c < ncpus; c++)
        if (!!CPU_ISSET(c, s) == inside)
            return c;
    return -1;
}

static void test_pmu(const struct pmu *p)
{
    char msg[512], rep[256];
    struct vm v;
    int e, eintr = 0;
    int in = first_cpu(&p->set, 1), out = first_cpu(&p->set, 0);

    printf("== %s (type %d, cpus %s) ==\n", p->name, p->type, p->cpus);
    if (vm_create(&v)) {
        check(0, "vm create");
        return;
    }
    e = set_pmu(v.vcpu, p->type);
    printf("SET_PMU(%d) -> %s\n", p->type, errname(e));
    snprintf(msg, sizeof msg, "SET_PMU(%s type %d) == 0", p->name, p->type);
    check(e == 0, msg);
    e = pmu_attr(v.vcpu, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_INIT, NULL);
    printf("PMU_V3_INIT -> %s\n", errname(e));
    check(e == 0, "PMU_V3_INIT (no vGIC) == 0");

    if (in >= 0) {
        e = pin(in);
        e = e ? e : vcpu_run(&v, &eintr);
        run_report(&v, e, eintr, rep, sizeof rep);
        printf("KVM_RUN pinned to cpu%d (inside %s): %s\n", in, p->cpus, rep);
        snprintf(msg, sizeof msg, "%s: KVM_RUN inside PMU cpus -> MMIO exit",
                 p->name);
        check(!e && v.run->exit_reason == KVM_EXIT_MMIO &&
                  v.run->mmio.phys_addr == GUEST_MMIO_IPA, msg);
        e = set_pmu(v.vcpu, p->type);
        printf("SET_PMU(%d) after run -> %s\n", p->type, errname(e));
        check(e == EBUSY, "SET_PMU after a VCPU ran == EBUSY");
    }
    vm_destroy(&v);

    if (out >= 0) {
        if (vm_create(&v)) {
            check(0, "vm create");
            return;
        }
        e = set_pmu(v.vcpu, p->type);
        int e2 = pmu_attr(v.vcpu, KVM_SET_DEVICE_ATTR,
                          KVM_ARM_VCPU_PMU_V3_INIT, NULL);
        e = e ? e : e2;
        e = e ? e : pin(out);
        e = e ? e : vcpu_run(&v, &eintr);
        run_report(&v, e, eintr, rep, sizeof rep);
        printf("KVM_RUN pinned to cpu%d (outside %s): %s\n", out, p->cpus, rep);
        snprintf(msg, sizeof msg,
                 "%s: KVM_RUN outside PMU cpus -> FAIL_ENTRY", p->name);
        check(!e && v.run->exit_reason == KVM_EXIT_FAIL_ENTRY &&
                  v.run->fail_entry.cpu == (unsigned)out, msg);
        vm_destroy(&v);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* Nothing waits without a limit: a guest that never exits ends the probe
       (SIGALRM's default action) instead of holding the lab. */
    alarm(120);
    ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
    printf("probe: %d cpus\n", ncpus);
    list_pmus();

    /* The arm PMUs: sysfs PMUs that have a "cpus" file (core PMUs). */
    struct pmu *arm[32];
    int narm = 0;
    for (int i = 0; i < npmus; i++)
        if (strncmp(pmus[i].name, "armv8", 5) == 0)
            arm[narm++] = &pmus[i];
    check(narm == 2, "exactly two armv8 PMUs in sysfs");
    if (narm == 2) {
        check(arm[0]->type != arm[1]->type, "the two PMUs have distinct types");
        cpu_set_t both;
        CPU_AND(&both, &arm[0]->set, &arm[1]->set);
        check(CPU_COUNT(&both) == 0 && CPU_COUNT(&arm[0]->set) > 0 &&
                  CPU_COUNT(&arm[1]->set) > 0,
              "the two PMUs cover disjoint, non-empty CPU sets");
    }

    kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm_fd < 0) {
        printf("open /dev/kvm: %s\n", strerror(errno));
        check(0, "open /dev/kvm");
        goto out;
    }
    printf("KVM_GET_API_VERSION = %d\n", ioctl(kvm_fd, KVM_GET_API_VERSION, 0));
    printf("KVM_CAP_ARM_PMU_V3 = %d\n",
           ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PMU_V3));
    run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);

    struct vm v;
    if (vm_create(&v)) {
        check(0, "VM + VCPU(PMU_V3) creation");
        goto out;
    }
    check(1, "VM + VCPU(PMU_V3) creation");
    int e = pmu_attr(v.vcpu, KVM_HAS_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_SET_PMU,
                     NULL);
    printf("KVM_HAS_DEVICE_ATTR(PMU_V3_CTRL, SET_PMU) -> %s\n", errname(e));
    check(e == 0, "KVM_HAS_DEVICE_ATTR(SET_PMU) == 0");
    for (int i = 0; i < npmus; i++) {
        e = set_pmu(v.vcpu, pmus[i].type);
        printf("SET_PMU(%-3d %s) -> %s\n", pmus[i].type, pmus[i].name,
               errname(e));
    }
    int bogus[] = {1 /* PERF_TYPE_SOFTWARE */, 4242, -1};
    for (unsigned i = 0; i < sizeof bogus / sizeof bogus[0]; i++) {
        char msg[64];
        e = set_pmu(v.vcpu, bogus[i]);
        printf("SET_PMU(%d bogus) -> %s\n", bogus[i], errname(e));
        snprintf(msg, sizeof msg, "SET_PMU(bogus %d) == ENXIO", bogus[i]);
        check(e == ENXIO, msg);
    }
    vm_destroy(&v);

    for (int i = 0; i < narm; i++)
        test_pmu(arm[i]);

out:
    printf("probe: %d check(s) failed\n", failures);
    return failures > 125 ? 125 : failures;
}
