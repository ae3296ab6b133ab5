#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace sluice {

// ifindex → interface name, cached so the queue thread does not make an ioctl per packet.
// Bounded; cleared on reload so renamed interfaces are picked up. Queue thread only.
class InterfaceNames {
  public:
    const std::string& name_of(std::uint32_t index);
    void clear() { names_.clear(); }

  private:
    static constexpr std::size_t kMaxEntries = 1024;
    std::unordered_map<std::uint32_t, std::string> names_;
};

}  // namespace sluice
