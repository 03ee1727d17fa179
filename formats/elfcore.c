/* ELF64 cores, bytes only (see elfcore.h for the sources). */
#include <string.h>

#include "elfcore.h"
#include "endian.h"

void xs_elf_ehdr_encode(const struct xs_elf_ehdr *e,
                        uint8_t b[XS_ELF_EHDR_SIZE])
{
    memset(b, 0, XS_ELF_EHDR_SIZE);
    memcpy(b, "\177ELF", 4);
    b[4] = 2;             /* ELFCLASS64 */
    b[5] = 1;             /* ELFDATA2LSB */
    b[6] = 1;             /* EV_CURRENT */
    b[7] = 0;             /* ELFOSABI_SYSV */
    b[8] = e->abiversion;
    xs_put_le16(b + 16, 4); /* ET_CORE */
    xs_put_le16(b + 18, e->machine);
    xs_put_le32(b + 20, 1);
    xs_put_le64(b + 32, e->phoff);
    xs_put_le64(b + 40, e->shoff);
    xs_put_le16(b + 52, XS_ELF_EHDR_SIZE);
    xs_put_le16(b + 54, XS_ELF_PHDR_SIZE);
    xs_put_le16(b + 56, e->phnum >= XS_PN_XNUM ? XS_PN_XNUM
                                               : (uint16_t)e->phnum);
    xs_put_le16(b + 58, XS_ELF_SHDR_SIZE);
    xs_put_le16(b + 60, e->shnum);
    xs_put_le16(b + 62, e->shstrndx);
}

void xs_elf_phdr_encode(const struct xs_elf_phdr *p,
                        uint8_t b[XS_ELF_PHDR_SIZE])
{
    xs_put_le32(b, p->type);
    xs_put_le32(b + 4, p->flags);
    xs_put_le64(b + 8, p->offset);
    xs_put_le64(b + 16, p->vaddr);
    xs_put_le64(b + 24, p->paddr);
    xs_put_le64(b + 32, p->filesz);
    xs_put_le64(b + 40, p->memsz);
    xs_put_le64(b + 48, p->align);
}

void xs_elf_shdr_encode(const struct xs_elf_shdr *s,
                        uint8_t b[XS_ELF_SHDR_SIZE])
{
    xs_put_le32(b, s->name);
    xs_put_le32(b + 4, s->type);
    xs_put_le64(b + 8, s->flags);
    xs_put_le64(b + 16, s->addr);
    xs_put_le64(b + 24, s->offset);
    xs_put_le64(b + 32, s->size);
    xs_put_le32(b + 40, s->link);
    xs_put_le32(b + 44, s->info);
    xs_put_le64(b + 48, s->addralign);
    xs_put_le64(b + 56, s->entsize);
}

static size_t pad4(size_t n) { return (n + 3) & ~(size_t)3; }

size_t xs_elf_note(uint8_t *b, const char *name, uint32_t type,
                   const uint8_t *desc, uint32_t descsz)
{
    size_t namesz = strlen(name) + 1;
    size_t size = 12 + pad4(namesz) + pad4(descsz);
    if (!b)
        return size;
    memset(b, 0, size);
    xs_put_le32(b, (uint32_t)namesz);
    xs_put_le32(b + 4, descsz);
    xs_put_le32(b + 8, type);
    memcpy(b + 12, name, namesz);
    if (descsz)
        memcpy(b + 12 + pad4(namesz), desc, descsz);
    return size;
}

/* ------------------------------------------------------------------ */
/* Xen's dump-core                                                     */

/* xen/include/public/elfnote.h (RELEASE-4.17.0) */
#define XEN_ELFNOTE_DUMPCORE_NONE 0x2000000u
#define XEN_ELFNOTE_DUMPCORE_HEADER 0x2000001u
#define XEN_ELFNOTE_DUMPCORE_XEN_VERSION 0x2000002u
#define XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION 0x2000003u
/* struct xen_dumpcore_elfnote_xen_version_desc (xg_core.h): two u64,
 * xen_extraversion_t[16], xen_compile_info_t (64+16+32+32),
 * xen_capabilities_info_t[1024], xen_changeset_info_t[64],
 * xen_platform_parameters_t (one xen_ulong_t), u64 pagesize */
#define XEN_VERSION_DESC 1280u
#define XEN_VERSION_PAGESIZE_AT 1272u
/* the notes as xg_core.c writes them: struct elfnote (12 bytes and
 * "Xen\0") and each descriptor */
#define XC_CORE_NOTES (16u + (16u + 32u) + (16u + XEN_VERSION_DESC) + \
                       (16u + 8u))

/* The section names in the order xg_core.c adds them to its string table
 * (xc_core_strtab_get() on each xc_core_shdr_set()). */
enum { S_NULL, S_SHSTRTAB, S_NOTE, S_PRSTATUS, S_SHINFO, S_PAGES, S_MAP };

static size_t strtab_build(const struct xs_xc_core_layout *l, uint8_t *out,
                           uint32_t idx[S_MAP + 1])
{
    const char *names[] = {"", ".shstrtab", ".note.Xen", ".xen_prstatus",
                           ".xen_shared_info", ".xen_pages",
                           l->hvm ? ".xen_pfn" : ".xen_p2m"};
    size_t at = 0;
    for (unsigned i = 0; i <= S_MAP; i++) {
        if (i == S_SHINFO && !l->shared_info) {
            idx[i] = 0;
            continue;
        }
        size_t n = strlen(names[i]) + 1;
        idx[i] = (uint32_t)at;
        if (out)
            memcpy(out + at, names[i], n);
        at += n;
    }
    return at;
}

void xs_xc_core_layout(struct xs_xc_core_layout *l)
{
    uint32_t idx[S_MAP + 1];
    /* null, .shstrtab, .note.Xen, .xen_prstatus, [.xen_shared_info],
     * .xen_pages, .xen_p2m or .xen_pfn */
    l->shnum = l->shared_info ? 7 : 6;
    /* "fixup": every offset moves past the section headers, which
     * follow the ELF header */
    uint64_t off = XS_ELF_EHDR_SIZE + (uint64_t)l->shnum * XS_ELF_SHDR_SIZE;
    l->note_off = off;
    l->note_size = XC_CORE_NOTES;
    off += l->note_size;
    l->prstatus_off = off;
    off += (uint64_t)XS_VGC_SIZE * l->nr_vcpus;
    l->shinfo_off = off;
    if (l->shared_info)
        off += 4096;
    /* ROUNDUP(offset, PAGE_SHIFT) */
    l->pad = ((off + 4095) & ~(uint64_t)4095) - off;
    off += l->pad;
    l->pages_off = off;
    off += l->nr_pages * 4096;
    l->map_off = off;
    l->map_size = l->nr_pages *
                  (l->hvm ? XS_XC_CORE_PFN_ENTRY : XS_XC_CORE_P2M_ENTRY);
    off += l->map_size;
    l->strtab_off = off;
    l->strtab_size = strtab_build(l, NULL, idx);
    l->file_size = off + l->strtab_size;
}

uint64_t xs_xc_core_head_size(const struct xs_xc_core_layout *l)
{
    return l->prstatus_off;
}

const uint8_t *xs_xc_core_strtab(const struct xs_xc_core_layout *l)
{
    static _Thread_local uint8_t buf[128];
    uint32_t idx[S_MAP + 1];
    strtab_build(l, buf, idx);
    return buf;
}

static void xen_version_desc(const struct xs_xc_core_layout *l,
                             uint8_t d[XEN_VERSION_DESC])
{
    memset(d, 0, XEN_VERSION_DESC);
    /* the Xen that saved the image (its domain header): the strings of
     * XENVER_extraversion, _compile_info, _capabilities, _changeset and
     * the platform parameters are not in a save image and stay empty */
    xs_put_le64(d, l->xen_major);
    xs_put_le64(d + 8, l->xen_minor);
    /* xg_core.c elfnote_dump_xen_version(): for a guest narrower than the
     * tools, pagesize moves 4 bytes down ("32 bit elf file format differs
     * in pagesize's alignment") */
    xs_put_le64(d + XEN_VERSION_PAGESIZE_AT - (l->guest_width < 8 ? 4 : 0),
                4096);
}

void xs_xc_core_head(const struct xs_xc_core_layout *l, uint8_t *b)
{
    uint32_t idx[S_MAP + 1];
    strtab_build(l, NULL, idx);
    /* xc_core_ehdr_init(): EI_ABIVERSION is EV_CURRENT; ELF_ARCH_MACHINE
     * (xg_core_x86.h) follows the guest's width */
    struct xs_elf_ehdr e = {
        .machine = l->guest_width == 8 ? XS_EM_X86_64 : XS_EM_386,
        .abiversion = 1, .phoff = 0, .shoff = XS_ELF_EHDR_SIZE, .phnum = 0,
        .shnum = l->shnum, .shstrndx = 1};
    xs_elf_ehdr_encode(&e, b);
    uint8_t *s = b + XS_ELF_EHDR_SIZE;
    struct xs_elf_shdr sh[7];
    unsigned n = 0;
    memset(sh, 0, sizeof(sh));
    n++; /* the null section */
    sh[n++] = (struct xs_elf_shdr){.name = idx[S_SHSTRTAB],
        .type = XS_SHT_STRTAB, .offset = l->strtab_off,
        .size = l->strtab_size};
    sh[n++] = (struct xs_elf_shdr){.name = idx[S_NOTE], .type = XS_SHT_NOTE,
        .offset = l->note_off, .size = l->note_size};
    sh[n++] = (struct xs_elf_shdr){.name = idx[S_PRSTATUS],
        .type = XS_SHT_PROGBITS, .offset = l->prstatus_off,
        .size = (uint64_t)XS_VGC_SIZE * l->nr_vcpus, .addralign = 8,
        .entsize = XS_VGC_SIZE};
    if (l->shared_info)
        sh[n++] = (struct xs_elf_shdr){.name = idx[S_SHINFO],
            .type = XS_SHT_PROGBITS, .offset = l->shinfo_off, .size = 4096,
            .addralign = 8, .entsize = 4096};
    sh[n++] = (struct xs_elf_shdr){.name = idx[S_PAGES],
        .type = XS_SHT_PROGBITS, .offset = l->pages_off,
        .size = l->nr_pages * 4096, .addralign = 4096, .entsize = 4096};
    sh[n++] = (struct xs_elf_shdr){.name = idx[S_MAP],
        .type = XS_SHT_PROGBITS, .offset = l->map_off, .size = l->map_size,
        .addralign = 8,
        .entsize = l->hvm ? XS_XC_CORE_PFN_ENTRY : XS_XC_CORE_P2M_ENTRY};
    for (unsigned i = 0; i < n; i++)
        xs_elf_shdr_encode(&sh[i], s + (size_t)i * XS_ELF_SHDR_SIZE);

    /* .note.Xen: none, header, xen_version, format_version */
    uint8_t *p = b + l->note_off;
    uint8_t hdr[32], ver[XEN_VERSION_DESC], fmt[8];
    p += xs_elf_note(p, "Xen", XEN_ELFNOTE_DUMPCORE_NONE, NULL, 0);
    xs_put_le64(hdr, l->hvm ? XS_XC_CORE_MAGIC_HVM : XS_XC_CORE_MAGIC);
    xs_put_le64(hdr + 8, l->nr_vcpus);
    xs_put_le64(hdr + 16, l->nr_pages);
    xs_put_le64(hdr + 24, 4096);
    p += xs_elf_note(p, "Xen", XEN_ELFNOTE_DUMPCORE_HEADER, hdr, sizeof(hdr));
    xen_version_desc(l, ver);
    p += xs_elf_note(p, "Xen", XEN_ELFNOTE_DUMPCORE_XEN_VERSION, ver,
                     sizeof(ver));
    /* XEN_DUMPCORE_FORMAT_VERSION_CURRENT: (0 << 32) | 1 */
    xs_put_le64(fmt, 1);
    xs_elf_note(p, "Xen", XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION, fmt,
                sizeof(fmt));
}

/* ------------------------------------------------------------------ */
/* vCPU registers                                                      */

/* vcpu_guest_context_x86_64 (arch-x86/xen.h, xen-x86_64.h) */
#define VGC_FLAGS 512u
#define VGC_REGS 520u /* struct cpu_user_regs */
#define VGC_CTRLREG 4984u
#define VGC_DEBUGREG 5048u
#define VGC_FS_BASE 5144u
#define VGC_GS_BASE_KERNEL 5152u
#define VGC_GS_BASE_USER 5160u
#define VGCF_I387_VALID (1u << 0)
#define VGCF_IN_KERNEL (1u << 2)
#define VGCF_ONLINE (1u << 5)
/* cpu_user_regs x86_64: r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx
 * rdx rsi rdi (8 bytes each), error_code, entry_vector (4 each), rip, cs
 * (and padding), rflags, rsp, ss, es, ds, fs, gs (8 each) */
enum { R15, R14, R13, R12, RBP, RBX, R11, R10, R9, R8, RAX, RCX, RDX, RSI,
       RDI };
#define REGS_RIP 128u
#define REGS_CS 136u
#define REGS_RFLAGS 144u
#define REGS_RSP 152u
#define REGS_SS 160u
#define REGS_ES 168u
#define REGS_DS 176u
#define REGS_FS 184u
#define REGS_GS 192u

void xs_vgc_from_hvm_cpu(const uint8_t *cpu, uint32_t len,
                         uint8_t vgc[XS_VGC_SIZE])
{
    /* a shorter record is zero-extended, as Xen's hvm_load_cpu_ctxt()
     * loads it (hvm_load_entry_zeroextend(), xen/arch/x86/hvm/hvm.c,
     * RELEASE-4.17.0): the fields it lacks are 0 */
    uint8_t whole[XS_HVM_CPU_MIN];
    if (len < XS_HVM_CPU_MIN) {
        memset(whole, 0, sizeof(whole));
        memcpy(whole, cpu, len);
        cpu = whole;
    }
    memset(vgc, 0, XS_VGC_SIZE);
    /* struct hvm_hw_cpu (hvm/save.h): fpu_regs[512], then rax rbx rcx rdx
     * rbp rsi rdi rsp r8-r15, rip, rflags, cr0 cr2 cr3 cr4, dr0-3 dr6
     * dr7, eight u32 selectors (cs ds es fs gs ss tr ldtr), ten u32
     * limits, ten u64 bases (cs ds es fs gs ss tr ldtr idtr gdtr), ... */
    memcpy(vgc, cpu, 512);
    static const unsigned gpr[16] = {RAX, RBX, RCX, RDX, RBP, RSI, RDI, 99,
                                     R8, R9, R10, R11, R12, R13, R14, R15};
    uint8_t *r = vgc + VGC_REGS;
    for (size_t i = 0; i < 16; i++)
        if (gpr[i] != 99)
            xs_put_le64(r + 8 * (size_t)gpr[i], xs_le64(cpu + 512 + 8 * i));
    xs_put_le64(r + REGS_RSP, xs_le64(cpu + 568));
    xs_put_le64(r + REGS_RIP, xs_le64(cpu + 640));
    xs_put_le64(r + REGS_RFLAGS, xs_le64(cpu + 648));
    /* arch_get_info_guest() (xen/arch/x86/domctl.c, RELEASE-4.17.0):
     * the selectors, CR0/2/3/4, the debug registers, fs_base, and
     * gs_base_kernel/_user from GS and MSR_SHADOW_GS_BASE by the ring CS
     * is in; flags: online (a vCPU that is down has no CPU record:
     * hvm_save_cpu_ctxt()), i387_valid when the FPU was initialised */
    uint32_t cs = xs_le32(cpu + 736);
    xs_put_le16(r + REGS_CS, (uint16_t)cs);
    xs_put_le16(r + REGS_DS, (uint16_t)xs_le32(cpu + 740));
    xs_put_le16(r + REGS_ES, (uint16_t)xs_le32(cpu + 744));
    xs_put_le16(r + REGS_FS, (uint16_t)xs_le32(cpu + 748));
    xs_put_le16(r + REGS_GS, (uint16_t)xs_le32(cpu + 752));
    xs_put_le16(r + REGS_SS, (uint16_t)xs_le32(cpu + 756));
    xs_put_le64(vgc + VGC_CTRLREG, xs_le64(cpu + 656));
    xs_put_le64(vgc + VGC_CTRLREG + 16, xs_le64(cpu + 664));
    xs_put_le64(vgc + VGC_CTRLREG + 24, xs_le64(cpu + 672));
    xs_put_le64(vgc + VGC_CTRLREG + 32, xs_le64(cpu + 680));
    for (size_t i = 0; i < 4; i++)
        xs_put_le64(vgc + VGC_DEBUGREG + 8 * i, xs_le64(cpu + 688 + 8 * i));
    xs_put_le64(vgc + VGC_DEBUGREG + 48, xs_le64(cpu + 720));
    xs_put_le64(vgc + VGC_DEBUGREG + 56, xs_le64(cpu + 728));
    uint64_t gs_base = xs_le64(cpu + 840), shadow = xs_le64(cpu + 944);
    xs_put_le64(vgc + VGC_FS_BASE, xs_le64(cpu + 832));
    bool ring0 = (cs & 3) == 0;
    xs_put_le64(vgc + VGC_GS_BASE_KERNEL, ring0 ? gs_base : shadow);
    xs_put_le64(vgc + VGC_GS_BASE_USER, ring0 ? shadow : gs_base);
    uint64_t flags = VGCF_ONLINE;
    /* flags (XEN_X86_FPU_INITIALISED) is the last field but the pad */
    if (len >= 1028 && (xs_le32(cpu + 1024) & 1))
        flags |= VGCF_I387_VALID;
    xs_put_le64(vgc + VGC_FLAGS, flags);
}

void xs_prstatus_from_vgc(const uint8_t *vgc, unsigned width, bool pv,
                          uint32_t vcpu, uint8_t out[XS_PRSTATUS_SIZE])
{
    /* struct elf_prstatus (x86_64): pr_pid at 32, pr_reg (27 u64 in
     * user_regs_struct order) at 112, pr_fpvalid at 328 */
    enum { P_R15, P_R14, P_R13, P_R12, P_RBP, P_RBX, P_R11, P_R10, P_R9,
           P_R8, P_RAX, P_RCX, P_RDX, P_RSI, P_RDI, P_ORIG_RAX, P_RIP, P_CS,
           P_EFLAGS, P_RSP, P_SS, P_FS_BASE, P_GS_BASE, P_DS, P_ES, P_FS,
           P_GS, P_NREG };
    uint64_t reg[P_NREG] = {0};
    uint64_t flags;
    memset(out, 0, XS_PRSTATUS_SIZE);
    xs_put_le32(out + 32, vcpu < INT32_MAX ? vcpu + 1 : INT32_MAX);
    if (width == 8) {
        const uint8_t *r = vgc + VGC_REGS;
        for (size_t i = 0; i <= RDI; i++)
            reg[i] = xs_le64(r + 8 * i); /* the same order */
        reg[P_RIP] = xs_le64(r + REGS_RIP);
        reg[P_CS] = xs_le16(r + REGS_CS);
        reg[P_EFLAGS] = xs_le64(r + REGS_RFLAGS);
        reg[P_RSP] = xs_le64(r + REGS_RSP);
        reg[P_SS] = xs_le16(r + REGS_SS);
        reg[P_DS] = xs_le16(r + REGS_DS);
        reg[P_ES] = xs_le16(r + REGS_ES);
        reg[P_FS] = xs_le16(r + REGS_FS);
        reg[P_GS] = xs_le16(r + REGS_GS);
        reg[P_FS_BASE] = xs_le64(vgc + VGC_FS_BASE);
        flags = xs_le64(vgc + VGC_FLAGS);
        /* the GS base the vCPU ran with.  A 64-bit PV kernel runs in ring
         * 3 as its user space does: Xen says which ran in VGCF_in_kernel
         * (arch_get_info_guest(), xen/arch/x86/domctl.c RELEASE-4.17.0,
         * from TF_kernel_mode).  An HVM context has its bases placed by
         * the ring CS is in (xs_vgc_from_hvm_cpu()). */
        bool kernel = pv ? (flags & VGCF_IN_KERNEL) != 0
                         : (reg[P_CS] & 3) == 0;
        reg[P_GS_BASE] = xs_le64(vgc + (kernel ? VGC_GS_BASE_KERNEL
                                               : VGC_GS_BASE_USER));
    } else {
        /* vcpu_guest_context_x86_32: flags at 512, cpu_user_regs at 516:
         * ebx ecx edx esi edi ebp eax, error_code and entry_vector (u16),
         * eip, cs, eflags, esp, ss, es, ds, fs, gs (4 each) */
        const uint8_t *r = vgc + 516;
        reg[P_RBX] = xs_le32(r);
        reg[P_RCX] = xs_le32(r + 4);
        reg[P_RDX] = xs_le32(r + 8);
        reg[P_RSI] = xs_le32(r + 12);
        reg[P_RDI] = xs_le32(r + 16);
        reg[P_RBP] = xs_le32(r + 20);
        reg[P_RAX] = xs_le32(r + 24);
        reg[P_RIP] = xs_le32(r + 32);
        reg[P_CS] = xs_le16(r + 36);
        reg[P_EFLAGS] = xs_le32(r + 40);
        reg[P_RSP] = xs_le32(r + 44);
        reg[P_SS] = xs_le16(r + 48);
        reg[P_ES] = xs_le16(r + 52);
        reg[P_DS] = xs_le16(r + 56);
        reg[P_FS] = xs_le16(r + 60);
        reg[P_GS] = xs_le16(r + 64);
        flags = xs_le32(vgc + 512);
    }
    reg[P_ORIG_RAX] = UINT64_MAX; /* not in a system call */
    for (size_t i = 0; i < P_NREG; i++)
        xs_put_le64(out + 112 + 8 * i, reg[i]);
    xs_put_le32(out + 328, (flags & VGCF_I387_VALID) ? 1 : 0);
}
