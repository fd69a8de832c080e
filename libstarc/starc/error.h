/** @file starc/error.h
 *  @brief Status codes and per-call error messages.
 *
 *  Every fallible libstarc function returns an `int` status (::STARC_OK on
 *  success) and, when given a non-NULL ::starc_error, writes a one-line
 *  human-readable message into it.  There is no global error state: the
 *  message lives in the caller's struct, so libstarc is safe to call from
 *  several threads at once on distinct objects.
 */
#ifndef STARC_ERROR_H
#define STARC_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Status codes returned by libstarc functions. */
enum starc_status {
    STARC_OK = 0,      /**< success */
    STARC_EINVAL = 1,  /**< invalid argument or invalid input values */
    STARC_EDIM = 2,    /**< dimensions do not agree, or their product overflows */
    STARC_ENOMEM = 3,  /**< memory allocation failed */
    STARC_EIO = 4,     /**< a file could not be read or written */
    STARC_EFORMAT = 5, /**< a file is malformed or of an unsupported kind */
    STARC_ENOCONV = 6, /**< an iterative method did not reach its tolerance */
    STARC_ELAPACK = 7, /**< a LAPACK routine failed (e.g. a singular matrix) */
    STARC_EUNDEF = 8   /**< the quantity is mathematically undefined for this input */
};

/** @brief Size of the message buffer in ::starc_error. */
#define STARC_ERROR_MSGLEN 512

/** @brief Detailed error report filled in by a failing call.
 *
 *  Pass a pointer to one of these as the last argument of a libstarc call;
 *  NULL is always accepted and means "status code only". */
typedef struct starc_error {
    int status;                        /**< the status that was returned */
    char message[STARC_ERROR_MSGLEN];  /**< one line, no trailing newline */
} starc_error;

/** @brief A short static description of a status code (never NULL). */
const char *starc_error_string(int status);

/** @brief Reset @p err to ::STARC_OK with an empty message (NULL is a no-op). */
void starc_error_clear(starc_error *err);

/** @brief The package version string, e.g. "0.1.0". */
const char *starc_version(void);

#ifdef __cplusplus
}
#endif
#endif
