// What reflection can describe: the files of the served services and every file they import,
// indexed once by file name and by every fully-qualified name a client may ask about.
import { createFileRegistry, type DescFile, type DescService, type FileRegistry } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";

export interface DescriptorCatalog {
  /** Fully-qualified names of the served services, in registration order. */
  readonly serviceNames: readonly string[];
  fileByName(fileName: string): DescFile | undefined;
  /** The file declaring a service, method, message, field, oneof, enum, enum value or extension. */
  fileContainingSymbol(symbol: string): DescFile | undefined;
  fileContainingExtension(extendee: string, fieldNumber: number): DescFile | undefined;
  /** The field numbers of the known extensions of a message; undefined when the message is unknown. */
  extensionNumbersOf(extendee: string): number[] | undefined;
}

export function createDescriptorCatalog(services: readonly DescService[]): DescriptorCatalog {
  const registry = fileRegistryOf(services);
  const fileBySymbol = symbolIndexOf(registry);
  return {
    serviceNames: services.map((service) => service.typeName),
    fileByName: (fileName) => registry.getFile(fileName),
    fileContainingSymbol: (symbol) => fileBySymbol.get(symbol),
    fileContainingExtension(extendee, fieldNumber) {
      const message = registry.getMessage(extendee);
      return message && registry.getExtensionFor(message, fieldNumber)?.file;
    },
    extensionNumbersOf(extendee) {
      if (!registry.getMessage(extendee)) return undefined;
      const numbers: number[] = [];
      for (const type of registry) if (type.kind === "extension" && type.extendee.typeName === extendee) numbers.push(type.number);
      return numbers.sort((a, b) => a - b);
    },
  };
}

function fileRegistryOf(services: readonly DescService[]): FileRegistry {
  const serviceFiles = new Map(services.map((service) => [service.file.proto.name, service.file]));
  // Each generated file already links its imports, so resolving them needs no search beyond them.
  const perFile = [...serviceFiles.values()].map((file) =>
    createFileRegistry(file.proto, (importName) => file.dependencies.find((dependency) => dependency.proto.name === importName)),
  );
  return createFileRegistry(...perFile);
}

function symbolIndexOf(registry: FileRegistry): Map<string, DescFile> {
  const fileBySymbol = new Map<string, DescFile>();
  for (const file of registry.files) {
    for (const type of nestedTypes(file)) {
      fileBySymbol.set(type.typeName, file);
      switch (type.kind) {
        case "message":
          for (const member of [...type.fields, ...type.oneofs]) fileBySymbol.set(`${type.typeName}.${member.name}`, file);
          break;
        case "enum": {
          // Enum values are scoped like C++ enumerators: siblings of their enum, not children.
          const scope = type.parent?.typeName ?? file.proto.package;
          for (const value of type.values) fileBySymbol.set(scope ? `${scope}.${value.name}` : value.name, file);
          break;
        }
        case "service":
          for (const method of type.methods) fileBySymbol.set(`${type.typeName}.${method.name}`, file);
          break;
        case "extension":
          break;
      }
    }
  }
  return fileBySymbol;
}
