/* sandbox.c: being written (see sandbox.h) */
