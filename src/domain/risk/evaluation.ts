/** Scores of a probabilistic classifier against outcomes: ranking (AUC), accuracy of probabilities. */
export type Prediction = { probability: number; late: boolean };

export type CalibrationBin = {
  from: number;
  to: number;
  n: number;
  meanPredicted: number | null;
  observedRate: number | null;
};

export type Evaluation = {
  n: number;
  lateRate: number | null;
  auc: number | null;
  brier: number | null;
  logLoss: number | null;
  calibration: CalibrationBin[];
};

/** Area under the ROC curve by ranks (ties share their average rank). */
export function areaUnderCurve(predictions: readonly Prediction[]): number | null {
  const positives = predictions.filter((p) => p.late).length;
  const negatives = predictions.length - positives;
  if (positives === 0 || negatives === 0) return null;
  const sorted = [...predictions].sort((a, b) => a.probability - b.probability);
  let rankSum = 0;
  let index = 0;
  while (index < sorted.length) {
    let end = index;
    while (
      end + 1 < sorted.length &&
      (sorted[end + 1] as Prediction).probability === (sorted[index] as Prediction).probability
    )
      end += 1;
    const averageRank = (index + end) / 2 + 1;
    for (let k = index; k <= end; k += 1) if ((sorted[k] as Prediction).late) rankSum += averageRank;
    index = end + 1;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function evaluate(predictions: readonly Prediction[], bins = 10): Evaluation {
  const n = predictions.length;
  if (n === 0) return { n, lateRate: null, auc: null, brier: null, logLoss: null, calibration: [] };
  let late = 0;
  let brier = 0;
  let logLoss = 0;
  const calibration = Array.from({ length: bins }, (_, i) => ({
    from: i / bins,
    to: (i + 1) / bins,
    n: 0,
    sumP: 0,
    late: 0,
  }));
  for (const prediction of predictions) {
    const p = Math.min(1 - 1e-6, Math.max(1e-6, prediction.probability));
    const y = prediction.late ? 1 : 0;
    late += y;
    brier += (prediction.probability - y) ** 2;
    logLoss -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
    const bin = calibration[Math.min(bins - 1, Math.floor(prediction.probability * bins))];
    if (bin !== undefined) {
      bin.n += 1;
      bin.sumP += prediction.probability;
      bin.late += y;
    }
  }
  return {
    n,
    lateRate: late / n,
    auc: areaUnderCurve(predictions),
    brier: brier / n,
    logLoss: logLoss / n,
    calibration: calibration.map((bin) => ({
      from: bin.from,
      to: bin.to,
      n: bin.n,
      meanPredicted: bin.n === 0 ? null : bin.sumP / bin.n,
      observedRate: bin.n === 0 ? null : bin.late / bin.n,
    })),
  };
}
