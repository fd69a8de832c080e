/** @file starc/npy.h
 *  @brief numpy `.npy` / `.npz` reading and writing (the loaders of MDPs, rewards and
 *  policies built on it are in starc/io.h).
 *
 *  Reading accepts format versions 1.0, 2.0 and 3.0; dtypes float64, float32
 *  and integer/bool (converted to double); C and Fortran order; either
 *  endianness; `.npz` members stored or deflated (via libzip).  Rejected with
 *  ::STARC_EFORMAT and a message naming the file: object/pickle, string,
 *  complex and structured dtypes, truncated data, malformed headers, headers
 *  over numpy's size cap, shapes whose size overflows or disagrees with the
 *  file size.  Arrays are always returned as native C-order doubles.
 *
 *  Writing produces format 1.0 (2.0 when the header needs it), dtype `<f8`, C
 *  order, which numpy loads unchanged.  Every file is written to a temporary
 *  file in the target directory and renamed into place, so a failed write
 *  leaves no partial file.  `.npz` archives carry fixed timestamps so that the
 *  same data give the same bytes.
 */
#ifndef STARC_NPY_H
#define STARC_NPY_H

#include <stddef.h>
#include "starc/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Largest number of dimensions libstarc reads. */
#define STARC_NPY_MAXDIM 32

/** @brief A dense array of doubles in C (row-major) order. */
typedef struct starc_npy_array {
    size_t ndim;                     /**< number of dimensions (0 for a scalar) */
    size_t shape[STARC_NPY_MAXDIM];  /**< extent of each dimension */
    double *data;                    /**< prod(shape) doubles (1 for a scalar), owned, malloc'd */
    char dtype[16];                  /**< the stored dtype descriptor, e.g. "<f8", ">f4", "<i8" */
    int fortran_order;               /**< 1 if the file was in Fortran order (data are converted) */
} starc_npy_array;

/** @brief Initialise @p a to an empty array (no allocation). */
void starc_npy_array_init(starc_npy_array *a);
/** @brief Free @p a's data and reset it to empty; safe on an initialised or cleared array. */
void starc_npy_array_clear(starc_npy_array *a);
/** @brief Number of elements, prod(shape) (1 for a 0-d array). */
size_t starc_npy_array_size(const starc_npy_array *a);

/** @brief Write @p a's shape the way numpy prints it, e.g. "(3,)", "(2,4)", "()", into @p buf
 *  (at most @p cap bytes including the terminating NUL; truncated if too small). */
void starc_npy_array_shape_string(const starc_npy_array *a, char *buf, size_t cap);

/** @brief Read one `.npy` file. @p out must be initialised; it is overwritten. */
int starc_npy_read(const char *path, starc_npy_array *out, starc_error *err);

/** @brief Parse a `.npy` image held in memory; @p name is used in messages. */
int starc_npy_read_buffer(const void *buf, size_t len, const char *name, starc_npy_array *out, starc_error *err);

/** @brief Write a float64 array as `.npy` atomically. @p ndim may be 0 (a scalar). */
int starc_npy_write(const char *path, size_t ndim, const size_t *shape, const double *data, starc_error *err);

/** @brief An open `.npz` archive (opaque). */
typedef struct starc_npy_npz starc_npy_npz;

/** @brief Open a `.npz` archive and list its members. */
int starc_npy_npz_open(const char *path, starc_npy_npz **out, starc_error *err);
/** @brief Close an archive; NULL is a no-op. */
void starc_npy_npz_close(starc_npy_npz *z);
/** @brief Number of `.npy` members. */
size_t starc_npy_npz_count(const starc_npy_npz *z);
/** @brief Name of member @p i without the `.npy` suffix (owned by the archive), in archive order. */
const char *starc_npy_npz_name(const starc_npy_npz *z, size_t i);
/** @brief Read member @p name (without `.npy`); ::STARC_EFORMAT naming the member if it is missing.
 *
 *  Sizes in the zip directory are checked against the archive's size, the
 *  compression method and the member's `.npy` header before memory is
 *  allocated; a member that claims more than it can hold is ::STARC_EFORMAT. */
int starc_npy_npz_read(starc_npy_npz *z, const char *name, starc_npy_array *out, starc_error *err);

/** @brief Write @p n float64 arrays to a `.npz` archive atomically; an array whose `dtype` is
 *  "<i8" is stored as int64 instead (its values must be integers of magnitude below 2^53).
 *  @param names    member names without `.npy`
 *  @param compress 0 stored (like np.savez), 1 deflated (like np.savez_compressed) */
int starc_npy_npz_write(const char *path, size_t n, const char *const *names, const starc_npy_array *arrays,
                    int compress, starc_error *err);

#ifdef __cplusplus
}
#endif
#endif
