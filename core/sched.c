/* sched.c: being written (see sched.h) */
