#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "rules/diagnostic.hpp"
#include "rules/domain_list.hpp"
#include "rules/ip_list.hpp"

namespace sluice {

// Supplies the text of a host_list or ip_list file, or nullopt with `error` set to the reason.
// Tests and the fuzzer substitute it; read_list_file() reads the file system with a size bound.
using ListFileReader =
    std::function<std::optional<std::string>(const std::string& path, std::string& error)>;

// Reads a list file of at most kMaxListFileBytes.
std::optional<std::string> read_list_file(const std::string& path, std::string& error);

// The host_list and ip_list files named by rules, parsed once and shared: every rules file
// naming a list gets the same immutable copy, and a list whose bytes are unchanged at the next
// load is not parsed again (compared by size and a 64-bit hash of the content). A million-entry
// block list is then neither held twice nor re-parsed because one rules file changed.
// Not thread-safe: one owner (the reload path) uses it; the lists it hands out are immutable
// and may be read from any thread.
class ListCache {
  public:
    template <typename List>
    struct Entry {
        std::shared_ptr<const List> list;  // null when the file could not be read
        std::string read_error;            // non-empty when the file could not be read
        Diagnostics diagnostics;           // problems of its lines, at the list's positions
        std::size_t content_size = 0;
        std::size_t content_hash = 0;

        [[nodiscard]] bool clean() const { return read_error.empty() && diagnostics.empty(); }
    };

    explicit ListCache(ListFileReader reader = read_list_file);

    // Starts a load: each list is read again, once, the next time a rules file names it.
    void begin_load();
    // Ends a load: forgets the lists no rules file named since begin_load().
    void end_load();

    // The list at `path` as of this load. Reads the file the first time it is asked for during
    // a load; blocks on file I/O then. The reference stays valid until end_load().
    const Entry<DomainList>& host_list(const std::string& path);
    const Entry<IpList>& ip_list(const std::string& path);

  private:
    template <typename List>
    struct Slot {
        Entry<List> entry;
        std::uint64_t load = 0;  // the load in which the file was last read
    };
    template <typename List, typename Parse>
    const Entry<List>& get(std::map<std::string, Slot<List>>& slots, const std::string& path,
                           Parse parse);

    ListFileReader reader_;
    std::uint64_t load_ = 1;
    std::map<std::string, Slot<DomainList>> host_lists_;
    std::map<std::string, Slot<IpList>> ip_lists_;
};

}  // namespace sluice
