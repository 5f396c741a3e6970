/** The `image` use-cases the commands call. */
export * from './image.js';
export * from './archive.js';
