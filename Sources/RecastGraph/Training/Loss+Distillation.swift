import Foundation
public import RecastTensor

extension Loss {
  /// Knowledge distillation to a teacher's logits, without labels: the KL divergence of the student's softened
  /// distribution from the teacher's, scaled by `T²` (Hinton et al.) and averaged over the batch.
  ///
  /// With `p = softmax(teacher / T)` and `q = softmax(student / T)` per row of `[N, C]` logits:
  /// `L = T² · (1/N) Σₙ Σ_c p (log p − log q)`, `dL/dstudent = T · (q − p) / N`. The teacher gets no gradient.
  public static func distillation(
    student: Tensor, teacher: Tensor, temperature: Float = 1
  ) throws(TensorError) -> (loss: Double, gradient: Tensor) {
    guard student.dtype == .float32, teacher.dtype == .float32, student.rank == 2,
      student.shape == teacher.shape
    else {
      throw TensorError(
        "distillation: student \(student.dtype) \(student.shape) and teacher \(teacher.dtype) \(teacher.shape) "
          + "must be float32 [N, C] of one shape")
    }
    guard temperature > 0, temperature.isFinite else {
      throw TensorError("distillation: temperature must be positive; found \(temperature)")
    }
    let t = Tensor(shape: [], floats: [1 / temperature])
    let s = try Tensor.binary(.mul, student, t)
    let u = try Tensor.binary(.mul, teacher, t)
    let logQ = try s.softmax(axis: 1, log: true)
    let logP = try u.softmax(axis: 1, log: true)
    let n = Swift.max(student.shape[0], 1)
    var gradient = Tensor(zeros: .float32, shape: student.shape)
    var loss = 0.0
    let scale = temperature / Float(n)
    logQ.withUnsafeBufferPointer(as: Float.self) { lq in
      logP.withUnsafeBufferPointer(as: Float.self) { lp in
        gradient.withUnsafeMutableBufferPointer(as: Float.self) { g in
          for i in 0..<g.count {
            let p = Double(lp[i]).exp
            if p > 0 { loss += p * (Double(lp[i]) - Double(lq[i])) }
            g[i] = scale * (Float(Double(lq[i]).exp) - Float(p))
          }
        }
      }
    }
    return (Double(temperature * temperature) * loss / Double(n), gradient)
  }
}

extension Double {
  fileprivate var exp: Double { Foundation.exp(self) }
}
