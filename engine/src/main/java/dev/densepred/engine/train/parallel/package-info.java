/** Data parallelism over the devices of one machine: {@link dev.densepred.engine.train.parallel.DataParallel}. */
package dev.densepred.engine.train.parallel;
