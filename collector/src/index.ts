/** The collector configs generated from the contract: the sampling tier's tail-sampling policies. */
export * from './sampling.ts'
