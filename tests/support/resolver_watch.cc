// A test-only LD_PRELOAD shim that writes every name this process asks the
// system resolver for (getaddrinfo, gethostbyname) to $CASEWIRE_RESOLVER_LOG,
// one per line, then resolves it as usual. Tests use it to prove that a name
// (an .onion address, a daemon behind a proxy) is never looked up locally.
#include <dlfcn.h>
#include <netdb.h>

#include <cstdio>
#include <cstdlib>

namespace {
void note(const char* name) {
  const char* path = getenv("CASEWIRE_RESOLVER_LOG");
  if (!path || !name) return;
  FILE* f = fopen(path, "a");
  if (!f) return;
  fprintf(f, "%s\n", name);
  fclose(f);
}
}  // namespace

extern "C" {

int getaddrinfo(const char* node, const char* service, const struct addrinfo* hints,
                struct addrinfo** res) {
  typedef int (*fn)(const char*, const char*, const struct addrinfo*, struct addrinfo**);
  static fn real = nullptr;
  if (!real) real = reinterpret_cast<fn>(dlsym(RTLD_NEXT, "getaddrinfo"));
  note(node);
  return real(node, service, hints, res);
}

struct hostent* gethostbyname(const char* name) {
  typedef struct hostent* (*fn)(const char*);
  static fn real = nullptr;
  if (!real) real = reinterpret_cast<fn>(dlsym(RTLD_NEXT, "gethostbyname"));
  note(name);
  return real(name);
}
}  // extern "C"
