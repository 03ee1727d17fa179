/* ELF64 core files, bytes only: the headers, notes and section tables of
 * the three export formats (core/export.c decides what goes in them).
 *
 * Sources: the ELF-64 Object File Format 1.5 (headers, PN_XNUM); Xen's
 * dump-core format, docs/misc/dump-core-format.txt and
 * tools/libs/guest/xg_core.c, xg_core.h, xg_core_x86.[ch] at
 * RELEASE-4.17.0; the guest contexts of xen/include/public/arch-x86/xen.h,
 * xen-x86_64.h, xen-x86_32.h and hvm/save.h at RELEASE-4.17.0; Linux's
 * struct elf_prstatus (include/uapi/linux/elfcore.h, x86_64
 * user_regs_struct) for NT_PRSTATUS. */
#ifndef XS_FORMAT_ELFCORE_H
#define XS_FORMAT_ELFCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_ELF_EHDR_SIZE 64u
#define XS_ELF_PHDR_SIZE 56u
#define XS_ELF_SHDR_SIZE 64u

#define XS_EM_386 3u
#define XS_EM_X86_64 62u
#define XS_PT_LOAD 1u
#define XS_PT_NOTE 4u
#define XS_PF_R 4u
#define XS_PF_W 2u
#define XS_PF_X 1u
#define XS_SHT_PROGBITS 1u
#define XS_SHT_STRTAB 3u
#define XS_SHT_NOTE 7u
#define XS_NT_PRSTATUS 1u
/* e_phnum's escape: the real count is section 0's sh_info */
#define XS_PN_XNUM 0xffffu

struct xs_elf_ehdr {
    uint16_t machine;
    uint8_t abiversion;
    uint64_t phoff, shoff;
    uint32_t phnum;          /* >= PN_XNUM: written as PN_XNUM */
    uint16_t shnum, shstrndx;
};
void xs_elf_ehdr_encode(const struct xs_elf_ehdr *e,
                        uint8_t b[XS_ELF_EHDR_SIZE]);

struct xs_elf_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
void xs_elf_phdr_encode(const struct xs_elf_phdr *p,
                        uint8_t b[XS_ELF_PHDR_SIZE]);

struct xs_elf_shdr {
    uint32_t name, type;
    uint64_t flags, addr, offset, size;
    uint32_t link, info;
    uint64_t addralign, entsize;
};
void xs_elf_shdr_encode(const struct xs_elf_shdr *s,
                        uint8_t b[XS_ELF_SHDR_SIZE]);

/* A note: name (with its NUL) and descriptor, each padded to 4 bytes.
 * Its size, and the note written at b (NULL: the size alone). */
size_t xs_elf_note(uint8_t *b, const char *name, uint32_t type,
                   const uint8_t *desc, uint32_t descsz);

/* ---- Xen's dump-core (xg_core.c, RELEASE-4.17.0) ---- */
#define XS_XC_CORE_MAGIC 0xF00FEBEDu     /* PV */
#define XS_XC_CORE_MAGIC_HVM 0xF00FEBEEu /* HVM (and PVH) */
/* vcpu_guest_context_any_t: the larger of the two layouts */
#define XS_VGC_SIZE 5168u
#define XS_VGC32_SIZE 2800u
#define XS_XC_CORE_P2M_ENTRY 16u         /* struct xen_dumpcore_p2m */
#define XS_XC_CORE_PFN_ENTRY 8u

/* Where each part of a dump-core file stands, as xg_core.c's
 * xc_domain_dumpcore_via_callback() lays it out. */
struct xs_xc_core_layout {
    bool hvm;               /* .xen_pfn, not .xen_p2m; the HVM magic */
    bool shared_info;       /* a .xen_shared_info section */
    unsigned guest_width;   /* 4 or 8 (HVM: 8) */
    uint64_t nr_vcpus, nr_pages;
    uint32_t xen_major, xen_minor;
    /* computed by xs_xc_core_layout() */
    uint16_t shnum;
    uint64_t note_off, note_size, prstatus_off, shinfo_off;
    uint64_t pad;           /* zeros before the pages */
    uint64_t pages_off, map_off, map_size, strtab_off, strtab_size;
    uint64_t file_size;
};
void xs_xc_core_layout(struct xs_xc_core_layout *l);
/* Bytes before .xen_prstatus: the ELF header, the section headers and
 * the .note.Xen section. */
uint64_t xs_xc_core_head_size(const struct xs_xc_core_layout *l);
void xs_xc_core_head(const struct xs_xc_core_layout *l, uint8_t *b);
/* The .shstrtab section (at strtab_off, strtab_size bytes). */
const uint8_t *xs_xc_core_strtab(const struct xs_xc_core_layout *l);

/* ---- vCPU registers ---- */
/* HVM: the vcpu_guest_context_x86_64 that XEN_DOMCTL_getvcpucontext
 * gives for an HVM vCPU (arch_get_info_guest(), xen/arch/x86/domctl.c),
 * from the vCPU's CPU save record (struct hvm_hw_cpu, HVM_SAVE_CODE(CPU)
 * 2), zero-extended where it is shorter (as Xen loads it). */
#define XS_HVM_SAVE_CPU 2u
#define XS_HVM_CPU_MIN 1016u /* up to and including tsc */
void xs_vgc_from_hvm_cpu(const uint8_t *cpu, uint32_t len,
                         uint8_t vgc[XS_VGC_SIZE]);
/* Linux's x86_64 struct elf_prstatus (NT_PRSTATUS) with the registers of
 * a vcpu_guest_context of width 4 (x86_32, zero-extended) or 8, a PV
 * guest's or one xs_vgc_from_hvm_cpu() made (pv false); pr_pid is the
 * vCPU id + 1, as QEMU's guest dumps have it (gdb takes a pid of 0 for
 * "any": vCPU 0 and 1 would both show as 1). */
#define XS_PRSTATUS_SIZE 336u
void xs_prstatus_from_vgc(const uint8_t *vgc, unsigned width, bool pv,
                          uint32_t vcpu, uint8_t out[XS_PRSTATUS_SIZE]);

#endif
