/*
 * cputime: runs a command and prints its output followed by the CPU time it used (user + system, from wait4's
 * rusage) as "cpu_us=N". The benchmark uses it for native kernels, so that all engines are compared by CPU time:
 * on a shared machine wall-clock time also counts the time the OS gave to other processes.
 *
 *   cputime program [args...]
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s program [args...]\n", argv[0]);
        return 2;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        perror("execvp");
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) { perror("wait4"); return 1; }
    long long us = (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec
                 + (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
    printf("cpu_us=%lld\n", us);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
