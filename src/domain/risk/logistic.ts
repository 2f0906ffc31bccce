/**
 * L2-regularised logistic regression on standardised features, fitted by Newton's method (IRLS):
 * deterministic, no learning rate to tune, and each feature's contribution to the log-odds is
 * weight × standardised value, which is what the reasons show.
 */
export type LogisticModel = {
  featureNames: readonly string[];
  means: number[];
  scales: number[];
  intercept: number;
  weights: number[];
  lambda: number;
  iterations: number;
};

export type Sample = { x: readonly number[]; y: 0 | 1 };

function solve(matrix: number[][], vector: number[]): number[] {
  const n = vector.length;
  const a = matrix.map((row, i) => [...row, vector[i] as number]);
  for (let col = 0; col < n; col += 1) {
    let pivot = col;
    for (let row = col + 1; row < n; row += 1) {
      if (Math.abs((a[row] as number[])[col] as number) > Math.abs((a[pivot] as number[])[col] as number))
        pivot = row;
    }
    [a[col], a[pivot]] = [a[pivot] as number[], a[col] as number[]];
    const pivotRow = a[col] as number[];
    const pivotValue = pivotRow[col] as number;
    if (Math.abs(pivotValue) < 1e-12) continue;
    for (let row = 0; row < n; row += 1) {
      if (row === col) continue;
      const current = a[row] as number[];
      const factor = (current[col] as number) / pivotValue;
      if (factor === 0) continue;
      for (let k = col; k <= n; k += 1)
        current[k] = (current[k] as number) - factor * (pivotRow[k] as number);
    }
  }
  return a.map((row, i) => {
    const diagonal = row[i] as number;
    return Math.abs(diagonal) < 1e-12 ? 0 : (row[n] as number) / diagonal;
  });
}

function penalisedLogLikelihood(
  samples: readonly Sample[],
  beta: readonly number[],
  means: readonly number[],
  scales: readonly number[],
  lambda: number,
): number {
  let total = 0;
  for (const sample of samples) {
    let eta = beta[0] as number;
    for (let j = 0; j < means.length; j += 1) {
      eta +=
        (beta[j + 1] as number) * (((sample.x[j] as number) - (means[j] as number)) / (scales[j] as number));
    }
    // log(1 + e^eta) computed without overflow.
    const softplus = eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
    total += sample.y * eta - softplus;
  }
  let penalty = 0;
  for (let j = 1; j < beta.length; j += 1) penalty += (beta[j] as number) ** 2;
  return total - (lambda / 2) * penalty;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function fitLogistic(
  samples: readonly Sample[],
  featureNames: readonly string[],
  options: {
    lambda?: number;
    maxIterations?: number;
    /** A previous fit to start from, weights matched by feature name (a refit without one feature). */
    start?: LogisticModel;
  } = {},
): LogisticModel {
  const d = featureNames.length;
  const lambda = options.lambda ?? 1;
  const n = samples.length;
  const means = new Array<number>(d).fill(0);
  const scales = new Array<number>(d).fill(1);
  for (const sample of samples)
    for (let j = 0; j < d; j += 1) means[j] = (means[j] as number) + (sample.x[j] as number) / Math.max(1, n);
  const variances = new Array<number>(d).fill(0);
  for (const sample of samples) {
    for (let j = 0; j < d; j += 1)
      variances[j] = (variances[j] as number) + ((sample.x[j] as number) - (means[j] as number)) ** 2;
  }
  for (let j = 0; j < d; j += 1) {
    const sd = Math.sqrt((variances[j] as number) / Math.max(1, n));
    scales[j] = sd > 1e-9 ? sd : 1;
  }
  const positives = samples.reduce((sum, sample) => sum + sample.y, 0);
  const base = Math.min(0.999, Math.max(0.001, (positives + 0.5) / (n + 1)));
  // Parameters: [intercept, w1..wd]; the intercept is not penalised.
  let beta = [Math.log(base / (1 - base)), ...new Array<number>(d).fill(0)];
  const start = options.start;
  if (start !== undefined) {
    beta = [
      start.intercept,
      ...featureNames.map((name) => {
        const j = start.featureNames.indexOf(name);
        return j < 0 ? 0 : (start.weights[j] as number);
      }),
    ];
  }
  const z = new Array<number>(d + 1).fill(0);
  let iterations = 0;
  for (; iterations < (options.maxIterations ?? 25); iterations += 1) {
    const gradient = new Array<number>(d + 1).fill(0);
    const hessian = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    for (const sample of samples) {
      z[0] = 1;
      for (let j = 0; j < d; j += 1)
        z[j + 1] = ((sample.x[j] as number) - (means[j] as number)) / (scales[j] as number);
      let eta = 0;
      for (let j = 0; j <= d; j += 1) eta += (beta[j] as number) * (z[j] as number);
      const p = sigmoid(eta);
      const residual = sample.y - p;
      const weight = Math.max(p * (1 - p), 1e-9);
      for (let j = 0; j <= d; j += 1) {
        const zj = z[j] as number;
        gradient[j] = (gradient[j] as number) + residual * zj;
        const row = hessian[j] as number[];
        for (let k = j; k <= d; k += 1) row[k] = (row[k] as number) + weight * zj * (z[k] as number);
      }
    }
    for (let j = 0; j <= d; j += 1) {
      const row = hessian[j] as number[];
      for (let k = 0; k < j; k += 1) row[k] = (hessian[k] as number[])[j] as number;
      if (j > 0) {
        row[j] = (row[j] as number) + lambda;
        gradient[j] = (gradient[j] as number) - lambda * (beta[j] as number);
      }
    }
    const step = solve(hessian, gradient);
    // Damped Newton: halve the step until the penalised likelihood does not fall, so a separable
    // feature cannot send the weights to infinity.
    const current = penalisedLogLikelihood(samples, beta, means, scales, lambda);
    let scale = 1;
    let next = beta.map((value, j) => value + (step[j] as number));
    while (scale > 1e-4 && penalisedLogLikelihood(samples, next, means, scales, lambda) < current - 1e-9) {
      scale /= 2;
      next = beta.map((value, j) => value + scale * (step[j] as number));
    }
    beta = next;
    if (Math.max(...step.map(Math.abs)) * scale < 1e-7) {
      iterations += 1;
      break;
    }
  }
  return {
    featureNames: [...featureNames],
    means,
    scales,
    intercept: beta[0] as number,
    weights: beta.slice(1),
    lambda,
    iterations,
  };
}

export type Scored = { probability: number; logOdds: number; contributions: number[] };

export function scoreLogistic(model: LogisticModel, x: readonly number[]): Scored {
  let logOdds = model.intercept;
  const contributions = model.weights.map((weight, j) => {
    const contribution =
      weight * (((x[j] as number) - (model.means[j] as number)) / (model.scales[j] as number));
    logOdds += contribution;
    return contribution;
  });
  return { probability: sigmoid(logOdds), logOdds, contributions };
}
