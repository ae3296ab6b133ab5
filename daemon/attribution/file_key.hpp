#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace sluice {

// Names one version of one file: the same key means the same content unless someone rewrote
// it in place and forged both timestamps (ctime cannot be set from userspace). Keys the exe
// identity cache, so a file is hashed once however many processes run it.
//
// ctime also moves when the file is merely unlinked or renamed over (a package upgrade does
// that to the binary a process still runs); same_content() ignores it for that reason.
struct FileKey {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;

    friend bool operator==(const FileKey&, const FileKey&) = default;
};

// The same file with the same content as far as the inode can tell: all but ctime equal.
bool same_content(const FileKey& a, const FileKey& b);

struct FileKeyHash {
    std::size_t operator()(const FileKey& key) const noexcept;
};

// fstat of an open file; nullopt when fstat fails or it is not a regular file.
std::optional<FileKey> file_key_of(int fd);

}  // namespace sluice
