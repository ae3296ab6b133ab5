#pragma once

#include "daemon/attribution/dns_cache.hpp"

namespace sluice {

// Somewhere DNS answers can be seen as they reach this host (dns.observer). Owned and used by
// the queue thread. The verdict path drains it before every decision, so an answer that
// arrived before the connection it names is always in the cache when that connection is
// decided.
class DnsAnswerSource {
  public:
    DnsAnswerSource() = default;
    virtual ~DnsAnswerSource() = default;
    DnsAnswerSource(const DnsAnswerSource&) = delete;
    DnsAnswerSource& operator=(const DnsAnswerSource&) = delete;

    // The descriptor the event loop watches, so answers are taken in even while no connection
    // is queued and the source cannot overflow; -1 when there is none.
    [[nodiscard]] virtual int fd() const = 0;
    // Moves every answer seen so far into `cache`. Never blocks; bounded by the source's
    // buffer size. Malformed input is counted and skipped.
    virtual void drain(DnsCache& cache, DnsCache::TimePoint now) noexcept = 0;
};

}  // namespace sluice
