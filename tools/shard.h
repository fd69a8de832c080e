/* Shards: a run split into N deterministic slices (`--shard K/N -o DIR_K`), each
 * computed anywhere (a Slurm job array, GNU parallel, MPI ranks), and merged by
 * `starc merge DIR_1 ... DIR_N -o OUT` into the bytes of the single run.
 *
 * A shard directory holds its kind's files and, written last through output.c
 * once every other file is complete, DIR/shard.json (results.h,
 * STARC_RESULTS_SHARD_*): {kind, version, shard: {k, n}, range: {begin, end},
 * total, settings}.  A shard that failed or was killed has no shard.json (or
 * still has output.h's STARC-INCOMPLETE marker) and merge refuses it.
 *
 * shard_set_open() reads the manifests and refuses a set that would not give
 * the single run's results, with one line naming the directory and what
 * differs; each kind's merge (the table in cmd-merge.c) then reads the ordered
 * directories.  Diagnostics are "starc CMD: ..." with CMD the subcommand being
 * run (cli_argv[1]). */
#ifndef STARC_SHARD_H
#define STARC_SHARD_H

#include <stddef.h>
#include <jansson.h>

#include "cli.h"

/* K of N, 1 <= k <= n; n == 0 means "not sharded" (the whole range). */
typedef struct shard_spec {
    size_t k, n;
} shard_spec;

/* The largest N of --shard K/N. */
#define SHARD_MAX_N 1000000

/* Parse "K/N" (decimal digits, no sign, 1 <= K <= N <= SHARD_MAX_N) given to
 * option --OPT (OPT without the dashes): EXIT_OK, or one line on stderr naming
 * the option and EXIT_USAGE. */
int shard_parse(const char *opt, const char *arg, shard_spec *out);

/* Shard s's slice [*begin, *end) of [0, total): contiguous and balanced,
 * begin = floor((k-1) total / n), end = floor(k total / n) (no overflow);
 * shards 1..n tile [0, total) in order.  [0, total) when s is NULL or n == 0. */
void shard_range(size_t total, const shard_spec *s, size_t *begin, size_t *end);

/* DIR/shard.json, atomically: kind, this version, shard (s, or 1/1 when n == 0),
 * range, total and settings (borrowed: every option that changes the merged
 * results).  Call it last, after every other file of the shard is complete.
 * EXIT_OK or the exit status after one line on stderr. */
int shard_manifest_write(const char *dir, const char *kind, const shard_spec *s, size_t begin, size_t end,
                         size_t total, json_t *settings);
/* Remove DIR/shard.json if it is there (a shard run starts with it, so that a
 * rerun into the same directory that fails cannot leave the old manifest
 * beside new partial files).  EXIT_OK or the exit status after one line. */
int shard_manifest_remove(const char *dir);

/* Hex characters of shard_file_digest(). */
#define SHARD_DIGEST_LEN 64
/* The SHA-256 of PATH's bytes as hex, for settings that must refuse shards of
 * different input files (the same bytes under another path are the same
 * input); for a reward spec FILE.npz:KEY, FILE's bytes.  EXIT_OK, or one line
 * naming option --OPT and the file. */
int shard_file_digest(const char *opt, const char *path, char hex[SHARD_DIGEST_LEN + 1]);

/* A complete, consistent set of shards, ordered by k. */
typedef struct shard_set {
    size_t n;          /* N: the number of shards and of directories */
    char **dirs;       /* shard k's directory is dirs[k - 1] (copies) */
    char *kind;        /* the shards' kind */
    char *version;     /* the version that wrote them */
    json_t *settings;  /* their settings (equal in every shard; a reference owned by the set) */
    size_t total;      /* the size of the whole range */
    size_t *begin;     /* shard k's range is [begin[k - 1], end[k - 1]) */
    size_t *end;
} shard_set;

/* Read DIRS' manifests into *out.  Refuses, with one line on stderr naming the
 * directory and what differs, and returns EXIT_USAGE: a directory without a
 * finished manifest, different kinds, versions, settings (the first differing
 * key and both values), N or total; a K given twice (overlap); a K missing
 * (the gap, named K/N so it can be rerun); ranges that do not tile [0, total).
 * On failure *out is empty (shard_set_free() is still safe). */
int shard_set_open(int ndirs, char *const *dirs, shard_set *out);
void shard_set_free(shard_set *s);

/* What a kind's merge function gets from `starc merge` / `starc experiment --merge`. */
typedef struct shard_merge_args {
    const char *cmd;      /* the subcommand, for diagnostics */
    const char *out;      /* -o OUT: the merged result's directory */
    enum cli_format fmt;  /* --format: the report on stdout */
    int no_render;        /* --no-render: write figure scripts, do not run gnuplot */
} shard_merge_args;

/* A kind's merge: the set's shards into a->out, written through output.c (no
 * partial output), the report on stdout.  EXIT_OK or an exit status after one
 * line on stderr. */
typedef int (*shard_merge_fn)(const shard_set *set, const shard_merge_args *a);

/* Open DIRS as a set, check that OUT is none of them, and run the merge of
 * its kind (the table in cmd-merge.c).  Used by `starc merge` and
 * `starc experiment --merge`. */
int shard_merge_dirs(int ndirs, char *const *dirs, const shard_merge_args *a);

#endif
