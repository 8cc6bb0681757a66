#pragma once
// Version and binary-compatibility identity of the SDK.
//
// The host refuses a plugin whose ABI version or build signature differs from its own
// (like nginx's "is not binary compatible"): C++ classes cross the library boundary, so
// the compiler, the C++ ABI, the SDK and the Poco headers must all be the same.
#include <Poco/Version.h>

// Defines _GLIBCXX_USE_CXX11_ABI (below): without a standard header first, a file that includes
// version.hpp before any other would compute "cxx11abi-none" and differ from the host.
#include <version>

#define CODECOUNCIL_SDK_VERSION "2.0.0"
#define CODECOUNCIL_SDK_ABI_VERSION 2

#define CODECOUNCIL_STR_(x) #x
#define CODECOUNCIL_STR(x) CODECOUNCIL_STR_(x)

#if defined(__clang__)
#define CODECOUNCIL_COMPILER_ID "clang-" CODECOUNCIL_STR(__clang_major__)
#elif defined(__GNUC__)
#define CODECOUNCIL_COMPILER_ID "gcc-" CODECOUNCIL_STR(__GNUC__) "." CODECOUNCIL_STR(__GNUC_MINOR__)
#else
#define CODECOUNCIL_COMPILER_ID "unknown-compiler"
#endif

#ifdef _GLIBCXX_USE_CXX11_ABI
#define CODECOUNCIL_CXXABI_ID "cxx11abi-" CODECOUNCIL_STR(_GLIBCXX_USE_CXX11_ABI)
#else
#define CODECOUNCIL_CXXABI_ID "cxx11abi-none"
#endif

/// Computed independently by the host and by every plugin; both must be equal.
#define CODECOUNCIL_BUILD_SIGNATURE                                                      \
  CODECOUNCIL_COMPILER_ID ";" CODECOUNCIL_CXXABI_ID ";sdk-" CODECOUNCIL_SDK_VERSION      \
                          ";poco-" CODECOUNCIL_STR(POCO_VERSION)

namespace cc {
inline constexpr int kSdkAbiVersion = CODECOUNCIL_SDK_ABI_VERSION;
inline constexpr const char* kSdkVersion = CODECOUNCIL_SDK_VERSION;
inline constexpr const char* kBuildSignature = CODECOUNCIL_BUILD_SIGNATURE;
}  // namespace cc
