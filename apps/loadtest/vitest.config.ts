import { projectTestConfig } from '../../vitest.shared';

// Files run one after another: the scheduler and latency tests measure time and must not compete for the CPU.
export default projectTestConfig('loadtest', { fileParallelism: false });
