/* alloc.c: being written (see alloc.h) */
