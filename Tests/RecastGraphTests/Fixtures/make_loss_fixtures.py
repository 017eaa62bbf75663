#!/usr/bin/env python3
"""Writes loss_cases.json: PyTorch's values and gradients for Recast's training losses, the oracle of
LossTorchTests.

  * cross_entropy: torch.nn.functional.cross_entropy(logits, labels, label_smoothing=eps) (mean over the batch);
  * mse: torch.nn.functional.mse_loss(prediction, target) (mean over every element);
  * distillation: T^2 * kl_div(log_softmax(student / T), softmax(teacher / T), reduction="batchmean"), Hinton et
    al.'s soft-target loss, the gradient with respect to the student only.

Inputs are seeded float32 arrays (some logits large, so a naive softmax would overflow). Values are float64 loss
and float32 gradients, written as decimal numbers that round-trip.

Run once with torch installed: $TORCH_PYTHON make_loss_fixtures.py   (output is deterministic)
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(20261129)
cases = []


def tensor(shape, scale=1.0):
    return torch.tensor((rng.standard_normal(shape) * scale).astype(np.float32), requires_grad=True)


for n, c, scale in [(5, 7, 1.0), (4, 10, 30.0), (1, 3, 0.1)]:
    labels = rng.integers(0, c, n)
    for eps in [0.0, 0.1, 0.3]:
        logits = tensor((n, c), scale)
        loss = F.cross_entropy(logits, torch.tensor(labels), label_smoothing=eps)
        loss.backward()
        cases.append({"loss": "cross_entropy", "shape": [n, c], "label_smoothing": eps, "labels": labels.tolist(),
                      "prediction": logits.detach().numpy().ravel().tolist(), "value": loss.item(),
                      "gradient": logits.grad.numpy().ravel().tolist()})
for shape in [[3, 4], [2, 5, 3]]:
    prediction, target = tensor(shape), torch.tensor(rng.standard_normal(shape).astype(np.float32))
    loss = F.mse_loss(prediction, target)
    loss.backward()
    cases.append({"loss": "mse", "shape": shape, "prediction": prediction.detach().numpy().ravel().tolist(),
                  "target": target.numpy().ravel().tolist(), "value": loss.item(),
                  "gradient": prediction.grad.numpy().ravel().tolist()})
for n, c, scale, temperature in [(4, 6, 1.0, 1.0), (3, 10, 5.0, 4.0), (2, 5, 20.0, 2.5)]:
    student, teacher = tensor((n, c), scale), torch.tensor((rng.standard_normal((n, c)) * scale).astype(np.float32))
    loss = temperature ** 2 * F.kl_div(F.log_softmax(student / temperature, dim=1),
                                       F.softmax(teacher / temperature, dim=1), reduction="batchmean")
    loss.backward()
    cases.append({"loss": "distillation", "shape": [n, c], "temperature": temperature,
                  "prediction": student.detach().numpy().ravel().tolist(), "target": teacher.numpy().ravel().tolist(),
                  "value": loss.item(), "gradient": student.grad.numpy().ravel().tolist()})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "loss_cases.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__.split("+")[0], "cases": cases}, f, separators=(",", ":"))
    f.write("\n")
print("wrote", out, len(cases), "cases")
