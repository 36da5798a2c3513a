/*
** tidal.h: the whole public API of libtidal. Include this one header.
*/
#ifndef TIDAL_H
#define TIDAL_H

#include "tidal/base.h"
#include "tidal/columnar.h"
#include "tidal/progress.h"
#include "tidal/dataflow.h"
#include "tidal/count.h"
#include "tidal/wasm.h"
#include "tidal/wasm_op.h"

#endif /* TIDAL_H */
