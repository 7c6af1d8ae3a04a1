/* policy_api.c: being written (see policy_api.h) */
