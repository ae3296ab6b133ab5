#include "daemon/attribution/exe_identity.hpp"

#include <unistd.h>

#include <cerrno>
#include <vector>

#include "daemon/attribution/hex_text.hpp"
#include "daemon/attribution/md5.hpp"
#include "daemon/attribution/sha256.hpp"

namespace sluice {

namespace {

constexpr std::size_t kReadChunkBytes = std::size_t{256} * 1024;

}  // namespace

Result<FileDigests> digest_file(int fd, std::uint64_t max_bytes) {
    std::vector<std::uint8_t> chunk(kReadChunkBytes);
    Sha256 sha256;
    Md5 md5;
    std::uint64_t offset = 0;
    while (true) {
        const ssize_t length = ::pread(fd, chunk.data(), chunk.size(), static_cast<off_t>(offset));
        if (length < 0 && errno == EINTR) {
            continue;
        }
        if (length < 0) {
            return Error::from_errno("reading executable for hashing");
        }
        if (length == 0) {
            break;
        }
        offset += static_cast<std::uint64_t>(length);
        if (offset > max_bytes) {
            return Error{"executable larger than " + std::to_string(max_bytes) +
                         " bytes is not hashed"};
        }
        const std::span<const std::uint8_t> bytes(chunk.data(), static_cast<std::size_t>(length));
        sha256.update(bytes);
        md5.update(bytes);
    }
    const Sha256Digest sha = sha256.finish();
    const Md5Digest md = md5.finish();
    return FileDigests{to_hex(sha), to_hex(md)};
}

PackageCheck check_package(DpkgDatabase& dpkg, std::string_view path, std::string_view md5) {
    PackageCheck check;
    for (const auto& owner : dpkg.owners(path)) {
        const auto recorded = dpkg.recorded_md5(owner.package, owner.listed_path);
        if (!recorded) {
            continue;
        }
        if (*recorded == md5) {
            check.package = owner.package;
            check.mismatched_package.clear();
            return check;
        }
        if (check.mismatched_package.empty()) {
            check.mismatched_package = owner.package;
        }
    }
    return check;
}

}  // namespace sluice
