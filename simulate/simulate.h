/*
 * simulate.h - `scaled simulate`, entered from core/main.c when the first
 * argument is "simulate" (docs/simulate.md).
 */
#ifndef SIMULATE_H
#define SIMULATE_H

/* Run `scaled simulate` with argv[0] == "simulate". Returns the exit
 * status: 0, 2 (bad flags, files or farm), 1 (a runtime failure). */
int simulate_main(int argc, char **argv);

#endif
