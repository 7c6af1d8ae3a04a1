/* log.c: being written (see log.h) */
