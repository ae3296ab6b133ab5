#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice {

// Which Debian package installed a file, and the MD5 dpkg recorded for it, from dpkg's own
// database (INFO_DIR/PKG.list, INFO_DIR/PKG.md5sums). The path -> package map is built on
// first use (about 150k paths: a few MB, ~0.1 s) and rebuilt when INFO_DIR's mtime says dpkg
// changed it, at most once per `rebuild_interval`. Blocking file reads: used from one thread.
class DpkgDatabase {
  public:
    static constexpr const char* kDefaultInfoDir = "/var/lib/dpkg/info";

    struct Owner {
        std::string package;      // as dpkg names it: "curl", "libc6:amd64"
        std::string listed_path;  // the path as the package lists it (merged-/usr aware)
        friend bool operator==(const Owner&, const Owner&) = default;
    };

    explicit DpkgDatabase(
        std::string info_dir = kDefaultInfoDir,
        std::chrono::steady_clock::duration rebuild_interval = std::chrono::seconds(2));

    // Every package listing `path`: usually one; two when dpkg-divert moved a file aside.
    // On a merged-/usr system /usr/bin/x is also looked up as /bin/x and the other way round.
    std::vector<Owner> owners(std::string_view path);

    // The lower-case hex MD5 `package`'s md5sums file records for `listed_path`; nullopt when
    // the package ships no md5sums or does not list the path there.
    [[nodiscard]] std::optional<std::string> recorded_md5(const std::string& package,
                                                          std::string_view listed_path) const;

    [[nodiscard]] std::size_t paths() const { return index_.size(); }
    [[nodiscard]] std::uint64_t builds() const { return builds_; }

  private:
    void refresh_if_changed();
    void build();

    std::string info_dir_;
    std::chrono::steady_clock::duration rebuild_interval_;
    std::optional<std::int64_t> built_for_mtime_ns_;
    std::chrono::steady_clock::time_point built_at_{};
    // (hash of path, package index), sorted: 12 bytes a path instead of a string map. A hash
    // collision can only offer a wrong candidate, which the md5sums check then rejects.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> index_;
    std::vector<std::string> packages_;
    std::uint64_t builds_ = 0;
};

}  // namespace sluice
