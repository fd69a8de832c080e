/* Where LAPACKE's header lives differs between distributions. */
#ifndef STARCI_LAPACK_H
#define STARCI_LAPACK_H
#include <config.h>
#if defined(HAVE_LAPACKE_H)
#include <lapacke.h>
#elif defined(HAVE_LAPACKE_LAPACKE_H)
#include <lapacke/lapacke.h>
#else
#error "lapacke.h not found"
#endif
#endif
