/** @file starc/starc.h
 *  @brief Umbrella header: includes every public libstarc header.
 *
 *  libstarc computes STARC, EPIC and DARD distances between reward functions,
 *  regret, proxy/true reward correlation and regularised optima on finite
 *  MDPs.  Embedders that also call GSL should call
 *  `gsl_set_error_handler_off()` once at start-up: libstarc validates its own
 *  inputs and never relies on GSL's (aborting) default handler.
 */
#ifndef STARC_STARC_H
#define STARC_STARC_H

#include "starc/error.h"
#include "starc/mdp.h"
#include "starc/npy.h"
#include "starc/stats.h"
#include "starc/policy.h"
#include "starc/io.h"
#include "starc/generate.h"
#include "starc/regret.h"
#include "starc/canon.h"
#include "starc/norm.h"
#include "starc/metric.h"
#include "starc/distance.h"
#include "starc/gridworld.h"
#include "starc/proxy.h"
#include "starc/regularize.h"
#include "starc/tomato.h"
#include "starc/fit.h"
#include "starc/results.h"
#include "starc/overopt.h"
#include "starc/proxygen.h"
#include "starc/study.h"
/* @MODULE-HEADERS@ (one #include per module, added as modules land) */

#endif
