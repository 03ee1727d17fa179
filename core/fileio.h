/* Byte-level access to inputs and outputs, for the layer readers and the
 * writer.  All file and pipe handling lives in fileio.c. */
#ifndef XS_FILEIO_H
#define XS_FILEIO_H

#include "xenstream.h"
#include "layer.h"

/* Make at least n bytes (n <= XS_IN_WINDOW) available at xs_in_peek().
 * Returns the number available (less than n only at end of input), or -1
 * on an I/O error (already reported). */
#define XS_IN_WINDOW (64u << 10)
long xs_in_need(struct xs_in *in, size_t n);
const uint8_t *xs_in_peek(const struct xs_in *in);
void xs_in_consume(struct xs_in *in, size_t n);

/* Read up to n bytes into dst; *got is how many arrived (short only at end
 * of input).  XS_OK or XS_IO. */
int xs_in_read(struct xs_in *in, void *dst, size_t n, size_t *got);
/* Append up to n bytes to b, growing it only as data actually arrives (an
 * announced length is never allocated up front).  XS_OK or XS_IO. */
int xs_in_read_buf(struct xs_in *in, struct xs_buf *b, size_t n, size_t *got);
/* Skip n bytes (seeking where the input allows); *done short at end. */
int xs_in_skip(struct xs_in *in, uint64_t n, uint64_t *done);
/* Copy n bytes to out by the fastest means the two ends allow
 * (copy_file_range, splice, or read/write); *done short at end of input. */
int xs_in_copy(struct xs_in *in, struct xs_out *out, uint64_t n,
               uint64_t *done);

/* Transports (docs/behaviour.md §1, §2): gzip and zstd, the rows of kind
 * XS_LK_TRANSPORT in the layer table, each naming its codec here.
 * xs_in_push_transport() is called when the input is found to start with
 * the transport's magic: from then on the input reads (and offsets count)
 * the decoded bytes.  xs_in_transport_check() at the end reports a
 * compressed input that stopped within a frame; with drain (a run that
 * stopped at a fault) it first decodes the rest, so that damage in the
 * compressed data is reported as such.  Its findings name compressed
 * offsets. */
int xs_in_push_transport(struct xs_in *in, const struct xs_layer *t);
/* Whether a transport decoder was pushed: the input reads decoded bytes;
 * and which (NULL: none). */
bool xs_in_decoding(const struct xs_in *in);
const struct xs_layer *xs_in_transport(const struct xs_in *in);
int xs_in_transport_check(struct xs_in *in, bool drain);
/* Set by upgrade's precheck after a verify pass over the whole input
 * passed: the writing pass then need not read page-table pages again. */
void xs_in_set_checked(struct xs_in *in);
bool xs_in_checked(const struct xs_in *in);
/* XS_IO or XS_INVALID (corrupt compressed data) after a failed read. */
int xs_in_failure(const struct xs_in *in);

/* Read n bytes at a logical offset without moving the stream (a regular
 * file only): XS_OK, XS_INVALID when the file ends first, XS_IO. */
int xs_in_pread(struct xs_in *in, uint64_t off, void *dst, size_t n);

/* An output that hashes what is written (XXH3-128) instead of storing
 * it: xs_out_digest_take() gives the digest, in XXH128's canonical
 * (big-endian) byte order; free it with xs_out_abort(). */
struct xs_out *xs_out_digest(const char *name, struct xs_report *rep);
int xs_out_digest_take(struct xs_out *out, uint8_t hash[16]);

/* Copy len bytes of a regular input, at its logical offset off, to out,
 * after everything written so far; adjacent ranges become one copy (one
 * copy_file_range).  The input's own position does not move. */
bool xs_out_can_copy_range(const struct xs_out *out, const struct xs_in *in);
int xs_out_copy_range(struct xs_out *out, struct xs_in *in, uint64_t off,
                      uint64_t len);

/* 64 random bits (getrandom, else the clock, the process and an
 * address): the seed of a hash table no input can aim at, a temporary
 * name no one can guess. */
uint64_t xs_random_u64(void);

/* A regular input's size at open (logical bytes from its start); 0 for
 * any other input. */
uint64_t xs_in_size(const struct xs_in *in);
/* The report the input was opened with. */
struct xs_report *xs_in_report(const struct xs_in *in);

int xs_out_write(struct xs_out *out, const void *p, size_t n);
/* n bytes of zeros that a regular uncompressed output leaves as a hole
 * (a seek; the file is extended at commit when it ends in one), that
 * any other output is written. */
int xs_out_hole(struct xs_out *out, uint64_t n);
int xs_out_zeros(struct xs_out *out, uint64_t n);
/* xs_out_write() of a block the caller holds anyway (an export's runs
 * of pages): written at once, after what the buffer held, rather than
 * copied into the buffer, from half the buffer's size up, or of any size
 * right after a hole that was a seek. */
int xs_out_write_direct(struct xs_out *out, const void *p, size_t n);
int xs_out_flush(struct xs_out *out);

#endif
