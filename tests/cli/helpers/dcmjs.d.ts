// dcmjs ships no types; the tests use only its dataset → Part 10 buffer writer and reader.
declare module 'dcmjs' {
  const dcmjs: {
    log: {
      setLevel(level: 'silent' | 'error' | 'warn' | 'info'): void;
      getLogger(name: string): { setLevel(level: 'silent' | 'error' | 'warn' | 'info'): void };
    };
    data: {
      datasetToBuffer(dataset: Record<string, unknown>): Buffer;
      DicomMessage: {
        readFile(buffer: ArrayBuffer): { dict: Record<string, unknown>; meta: Record<string, unknown> };
      };
      DicomMetaDictionary: {
        naturalizeDataset(dict: Record<string, unknown>): Record<string, unknown>;
        uid(): string;
      };
    };
  };
  export default dcmjs;
}
