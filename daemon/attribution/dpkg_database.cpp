#include "daemon/attribution/dpkg_database.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <memory>

#include "daemon/attribution/directory_entries.hpp"
#include "daemon/base/fd.hpp"

namespace sluice {

namespace {

constexpr std::string_view kListSuffix = ".list";
constexpr std::string_view kMd5sumsSuffix = ".md5sums";
constexpr std::size_t kMd5HexLength = 32;
// A .list or .md5sums file beyond this is not dpkg's; stop reading rather than swallow it.
constexpr std::size_t kMaxDatabaseFileBytes = std::size_t{64} * 1024 * 1024;

// FNV-1a, 64-bit: fast and good enough to spread paths; collisions are tolerated above.
std::uint64_t path_hash(std::string_view path) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : path) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

std::optional<std::string> read_whole(const std::string& path) {
    const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return std::nullopt;
    }
    std::string content;
    std::array<char, 65536> chunk{};
    while (content.size() < kMaxDatabaseFileBytes) {
        const ssize_t length = ::read(fd.get(), chunk.data(), chunk.size());
        if (length < 0 && errno == EINTR) {
            continue;
        }
        if (length < 0) {
            return std::nullopt;
        }
        if (length == 0) {
            break;
        }
        content.append(chunk.data(), static_cast<std::size_t>(length));
    }
    return content;
}

std::optional<std::int64_t> mtime_ns(const std::string& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(status.st_mtim.tv_sec) * 1'000'000'000 +
           status.st_mtim.tv_nsec;
}

// /usr/bin/x <-> /bin/x: with merged /usr the kernel reports the /usr path while older
// packages still list the /bin one (and the other way round).
std::vector<std::string> path_variants(std::string_view path) {
    std::vector<std::string> variants{std::string(path)};
    constexpr std::array<std::string_view, 4> kMergedDirs = {"/bin/", "/sbin/", "/lib/", "/lib64/"};
    for (const std::string_view dir : kMergedDirs) {
        if (path.starts_with(dir)) {
            variants.push_back("/usr" + std::string(path));
        } else if (path.starts_with("/usr") && path.substr(4).starts_with(dir)) {
            variants.emplace_back(path.substr(4));
        }
    }
    return variants;
}

}  // namespace

DpkgDatabase::DpkgDatabase(std::string info_dir,
                           std::chrono::steady_clock::duration rebuild_interval)
    : info_dir_(std::move(info_dir)), rebuild_interval_(rebuild_interval) {}

void DpkgDatabase::refresh_if_changed() {
    const auto now = std::chrono::steady_clock::now();
    if (built_for_mtime_ns_ && now - built_at_ < rebuild_interval_) {
        return;
    }
    const auto mtime = mtime_ns(info_dir_);
    if (built_for_mtime_ns_ && mtime == built_for_mtime_ns_) {
        built_at_ = now;
        return;
    }
    build();
    built_for_mtime_ns_ = mtime.value_or(0);
    built_at_ = now;
}

void DpkgDatabase::build() {
    ++builds_;
    index_.clear();
    packages_.clear();
    DirectoryEntries directory(AT_FDCWD, info_dir_.c_str());
    while (const auto entry = directory.next()) {
        const std::string_view name = *entry;
        if (!name.ends_with(kListSuffix) || name.size() == kListSuffix.size()) {
            continue;
        }
        const auto content = read_whole(info_dir_ + "/" + std::string(name));
        if (!content) {
            continue;
        }
        const auto package = static_cast<std::uint32_t>(packages_.size());
        packages_.emplace_back(name.substr(0, name.size() - kListSuffix.size()));
        std::string_view rest(*content);
        while (!rest.empty()) {
            const std::size_t end = std::min(rest.find('\n'), rest.size());
            const std::string_view line = rest.substr(0, end);
            rest.remove_prefix(std::min(end + 1, rest.size()));
            // Directories are listed too; only files can be executables, but telling them
            // apart costs a stat each, and a directory entry is harmless.
            if (line.size() > 1 && line.front() == '/') {
                index_.emplace_back(path_hash(line), package);
            }
        }
    }
    std::sort(index_.begin(), index_.end());
    index_.erase(std::unique(index_.begin(), index_.end()), index_.end());
    index_.shrink_to_fit();
}

std::vector<DpkgDatabase::Owner> DpkgDatabase::owners(std::string_view path) {
    refresh_if_changed();
    std::vector<Owner> found;
    for (const std::string& variant : path_variants(path)) {
        const std::uint64_t hash = path_hash(variant);
        auto [first, last] = std::equal_range(
            index_.begin(), index_.end(), std::pair<std::uint64_t, std::uint32_t>{hash, 0},
            [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto it = first; it != last; ++it) {
            Owner owner{packages_[it->second], variant};
            if (std::find(found.begin(), found.end(), owner) == found.end()) {
                found.push_back(std::move(owner));
            }
        }
    }
    return found;
}

std::optional<std::string> DpkgDatabase::recorded_md5(const std::string& package,
                                                      std::string_view listed_path) const {
    if (package.empty() || package.find('/') != std::string::npos || listed_path.empty() ||
        listed_path.front() != '/') {
        return std::nullopt;
    }
    const auto content = read_whole(info_dir_ + "/" + package + std::string(kMd5sumsSuffix));
    if (!content) {
        return std::nullopt;
    }
    // "<32 hex>  usr/bin/curl": two spaces, path without its leading slash.
    const std::string_view wanted = listed_path.substr(1);
    std::string_view rest(*content);
    while (!rest.empty()) {
        const std::size_t end = std::min(rest.find('\n'), rest.size());
        const std::string_view line = rest.substr(0, end);
        rest.remove_prefix(std::min(end + 1, rest.size()));
        if (line.size() < kMd5HexLength + 2 || line.substr(kMd5HexLength, 2) != "  ") {
            continue;
        }
        if (line.substr(kMd5HexLength + 2) == wanted) {
            std::string md5(line.substr(0, kMd5HexLength));
            std::transform(md5.begin(), md5.end(), md5.begin(), [](char c) {
                return (c >= 'A' && c <= 'F') ? static_cast<char>(c + ('a' - 'A')) : c;
            });
            return md5;
        }
    }
    return std::nullopt;
}

}  // namespace sluice
