#include "rules/text_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace sluice {

namespace {

struct FileCloser {
    // The unique_ptr holding this deleter is the FILE's one owner.
    void operator()(std::FILE* file) const {
        std::fclose(file);  // NOLINT(cppcoreguidelines-owning-memory)
    }
};

constexpr std::size_t kChunkBytes = std::size_t{64} * 1024;

}  // namespace

std::optional<std::string> read_text_file_bounded(const std::string& path, std::size_t max_bytes,
                                                  std::string& error) {
    // "e": O_CLOEXEC, so a descriptor opened during a reload never leaks into a child.
    const std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rbe"));
    if (!file) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    std::string content;
    char chunk[kChunkBytes];
    for (;;) {
        const std::size_t got = std::fread(chunk, 1, sizeof chunk, file.get());
        if (got > 0) {
            if (content.size() + got > max_bytes) {
                error = "larger than " + std::to_string(max_bytes) + " bytes";
                return std::nullopt;
            }
            content.append(chunk, got);
        }
        if (got < sizeof chunk) {
            if (std::ferror(file.get()) != 0) {
                error = std::strerror(errno);
                return std::nullopt;
            }
            return content;
        }
    }
}

}  // namespace sluice
