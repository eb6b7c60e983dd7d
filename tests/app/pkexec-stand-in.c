/* A stand-in for pkexec, for tests: what pkexec does once polkit's agent said yes. Installed
 * set-user-id root inside a test's private mount namespace, it runs PROGRAM ARGS... as root,
 * from /, with a clean environment (PATH only) and PKEXEC_UID naming the caller, and refuses
 * a program that is not an absolute path, as pkexec(1) does. It asks nobody anything: the
 * tests are about what happens after the administrator said yes. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    char caller[32];
    if (argc < 2 || argv[1][0] != '/') {
        fprintf(stderr, "pkexec: the program must be an absolute path\n");
        return 127;
    }
    snprintf(caller, sizeof caller, "%u", (unsigned)getuid());
    if (setgid(0) != 0 || setuid(0) != 0 || chdir("/") != 0) {
        perror("pkexec stand-in");
        return 127;
    }
    clearenv();
    setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
    setenv("PKEXEC_UID", caller, 1);
    execv(argv[1], argv + 1);
    perror("pkexec stand-in: execv");
    return 127;
}
