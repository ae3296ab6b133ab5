#include "daemon/base/fd.hpp"

#include <unistd.h>

namespace sluice {

void Fd::reset(int fd) {
    if (fd_ >= 0) {
        // close() must not be retried on EINTR on Linux: the fd is released either way.
        ::close(fd_);
    }
    fd_ = fd;
}

}  // namespace sluice
