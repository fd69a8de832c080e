/* Staging: putting a result's files into its section of the notebook's data
 * directory.
 *
 * Every input file is copied byte for byte into the section's subdirectory
 * under a safe name, and recorded twice as it goes: in the manifest
 * (`MANIFEST.sha256`, data-relative path -> SHA-256) and in the provenance
 * (the path the reader is shown, its size and SHA-256).  Files the exporter
 * makes itself (figures it renders) go into the manifest only.  Files that
 * are parsed or embedded are read whole and refused past NB_SMALL_MAX.
 *
 * Not part of libstarc's API.  Implemented by staging.c. */
#ifndef STARC_NB_STAGING_H
#define STARC_NB_STAGING_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "files.h"
#include "section.h"
#include "tsv.h"

/* Files that are parsed or embedded are read whole; larger ones are refused. */
#define NB_SMALL_MAX ((size_t)256 << 20)

/* Record the section's file name (its SHA-256 sha) in the manifest and, if
 * shown is non-NULL, as an input of bytes bytes shown as shown. */
int nb_stage_record(nb_section *s, const char *name, const char *sha, uint64_t bytes, const char *shown);

/* Copy the input src (called srcname in its result) into the section as
 * name, recording it; info (if non-NULL) receives the copy's line facts
 * (the caller clears it). */
int nb_stage_copy(nb_section *s, const char *src, const char *srcname, const char *name, nb_copy_info *info);

/* Write len bytes already read from an input into the section as name,
 * recording it as an input shown as shown. */
int nb_stage_write(nb_section *s, const char *name, const char *data, size_t len, const char *shown);

/* Read the input src whole, stage it as name (recorded as srcname in its
 * result) and hand back its bytes (malloc'd, NUL-terminated). */
int nb_stage_load(nb_section *s, const char *src, const char *srcname, const char *name, char **data, size_t *len);

/* If dir holds a file name: stage it under the same name and parse it as a
 * table (*have = 1) or as JSON (*json, NULL when absent).  A file that does
 * not parse is an error (STARC_EFORMAT) naming it. */
int nb_stage_table(nb_section *s, const char *dir, const char *name, nb_table *t, int *have);
int nb_stage_json(nb_section *s, const char *dir, const char *name, json_t **json);

/* Read back a file the exporter wrote into the section (e.g. a rendering). */
int nb_stage_read(nb_section *s, const char *name, char **data, size_t *len);

/* Write the manifest into the data directory: `SHA256  PATH` lines
 * (sha256sum's format), sorted by path. */
int nb_stage_manifest(nb_exporter *x);

#endif
