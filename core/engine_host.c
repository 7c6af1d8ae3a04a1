/* engine_host.c: being written (see engine_host.h) */
