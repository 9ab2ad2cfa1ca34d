// The package's `bootstrap`: a static executable (no shared libraries, so it runs on any x86_64 kernel) that
// starts bin/athena-runner-bootstrap through the glibc loader and libraries shipped in lib/ (built on glibc
// 2.36; AL2023 has 2.34), with the package's time zones (TZDIR) and AL2023's CA bundle (AWS_CA_BUNDLE).
// A shell script would do the same, at the cost of starting a shell on every cold start.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

constexpr const char* kLoader = "lib/ld-linux-x86-64.so.2";
constexpr const char* kLibraries = "lib";
constexpr const char* kExecutable = "bin/athena-runner-bootstrap";
constexpr const char* kZoneinfo = "share/zoneinfo";
constexpr const char* kAl2023CaBundle = "/etc/pki/tls/certs/ca-bundle.crt";
constexpr int kMaxArguments = 64;

bool join(char* out, const char* directory, const char* relative) {
  int written = std::snprintf(out, PATH_MAX, "%s/%s", directory, relative);
  return written > 0 && written < PATH_MAX;
}

}  // namespace

int main(int argc, char** argv) {
  char directory[PATH_MAX];
  ssize_t length = ::readlink("/proc/self/exe", directory, sizeof directory - 1);
  if (length <= 0) {
    std::perror("bootstrap: /proc/self/exe");
    return 127;
  }
  directory[length] = '\0';
  if (char* slash = std::strrchr(directory, '/')) *slash = '\0';

  static char loader[PATH_MAX], libraries[PATH_MAX], executable[PATH_MAX], zoneinfo[PATH_MAX];
  if (!join(loader, directory, kLoader) || !join(libraries, directory, kLibraries) ||
      !join(executable, directory, kExecutable) || !join(zoneinfo, directory, kZoneinfo)) {
    std::fputs("bootstrap: package path too long\n", stderr);
    return 127;
  }
  if (!std::getenv("AWS_CA_BUNDLE") && ::access(kAl2023CaBundle, R_OK) == 0)
    ::setenv("AWS_CA_BUNDLE", kAl2023CaBundle, 1);
  if (!std::getenv("TZDIR")) ::setenv("TZDIR", zoneinfo, 1);

  if (argc > kMaxArguments) argc = kMaxArguments;
  char* arguments[kMaxArguments + 5];
  int count = 0;
  arguments[count++] = loader;
  arguments[count++] = const_cast<char*>("--library-path");
  arguments[count++] = libraries;
  arguments[count++] = executable;
  for (int i = 1; i < argc; ++i) arguments[count++] = argv[i];
  arguments[count] = nullptr;
  ::execv(loader, arguments);
  std::fprintf(stderr, "bootstrap: cannot start %s: %s\n", loader, std::strerror(errno));
  return 127;
}
