/* engine.c: being written (see engine.h) */
