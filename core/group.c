/* group.c: being written (see group.h) */
