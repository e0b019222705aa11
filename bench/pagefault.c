// The cost of one page fault on this machine, as the bench's "page faults per cold transform"
// counts them: 256 MB of fresh anonymous memory, one write per 4 KB page (each one a minor fault
// that maps a zeroed page), timed. Prints nanoseconds per fault, the best of 3 rounds.
//
//   pagefault
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

enum { SIZE = 256 << 20, PAGE = 4096, ROUNDS = 3 };

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static long minor_faults(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_minflt;
}

int main(void) {
    double best = 0;
    for (int round = 0; round < ROUNDS; ++round) {
        char* p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("mmap");
            return 1;
        }
        madvise(p, SIZE, MADV_NOHUGEPAGE); // one fault per 4 KB page, never one per 2 MB
        const long f0 = minor_faults();
        const double t0 = now_ns();
        for (size_t i = 0; i < SIZE; i += PAGE) ((volatile char*)p)[i] = 1;
        const double t1 = now_ns();
        const long faults = minor_faults() - f0; // counted, not assumed: SIZE / PAGE if all went well
        munmap(p, SIZE);
        const double ns = (t1 - t0) / (faults > 0 ? faults : 1);
        if (round == 0 || ns < best) best = ns;
        fprintf(stderr, "round %d: %ld faults, %.0f ns each\n", round + 1, faults, ns);
    }
    printf("%.0f\n", best);
    return 0;
}
