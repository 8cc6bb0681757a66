#pragma once
// Named services one plugin provides to the plugins that declare a dependency on it.
//
// A service type declares its name and, optionally, its contract version:
//   struct Greeter { static constexpr const char* kServiceName = "greeter.v";
//                    static constexpr int kContractVersion = 2; virtual ... };
// The provider calls ctx.services().provide<Greeter>(ptr) in start(), a dependent calls
// ctx.services().get<Greeter>(): nullptr when the provider is absent, and also when the
// provider registered another kContractVersion than the one the dependent was compiled with
// (the host then logs an error naming both versions: rebuild the dependent). The provider
// owns the type, in a contract header it ships (docs/sdk-reference.md, "Contracts"); the SDK
// carries none, so a contract change never changes the build signature.
#include <memory>
#include <string>

namespace cc {

/// T::kContractVersion, or 0 for a service type that declares none.
template <class T>
constexpr int contractVersionOf() {
  if constexpr (requires { T::kContractVersion; }) return T::kContractVersion;
  else return 0;
}

class Services {
 public:
  virtual ~Services() = default;
  /// A second provider for the same name is an error.
  virtual void provideRaw(const std::string& name, int contractVersion, std::shared_ptr<void> service) = 0;
  /// nullptr when nobody provides `name`, or when the provider's contract version differs.
  virtual std::shared_ptr<void> findRaw(const std::string& name, int contractVersion) const = 0;

  template <class T>
  void provide(std::shared_ptr<T> service) {
    provideRaw(T::kServiceName, contractVersionOf<T>(), std::static_pointer_cast<void>(std::move(service)));
  }
  template <class T>
  std::shared_ptr<T> get() const {
    return std::static_pointer_cast<T>(findRaw(T::kServiceName, contractVersionOf<T>()));
  }
};

}  // namespace cc
