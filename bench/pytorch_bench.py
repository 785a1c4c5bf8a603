#!/usr/bin/env python3
"""The PyTorch side of bench/compare-pytorch.sh: the same networks as BanStudio's presets, trained the
same way BanStudio's `bench` verb trains them, printing the same `NNN.N images/s` line.

Same as ours: architecture (BanStudio.Training/Models: PreActResNet + WideBasicBlock, DenseNet-BC), random
uint8 CIFAR-shaped data held as one tensor, a fresh randperm per repeat, batched random crop (4-pixel zero
padding, one gather) and horizontal flip, per-channel normalisation, SGD with Nesterov momentum 0.9 and
weight decay 5e-4, label cross-entropy; the BAN step adds the teacher's forward in eval() under
inference_mode and the soft cross-entropy of Eqs. 2-3. Initialisation differs (irrelevant to speed).

Language models (LSTM-LxU, e.g. LSTM-2x200) as BanStudio's SequenceTrainer trains them, in tokens/s: random word
ids over a 10,000-word vocabulary batchified into [rows, batch], 35-step windows, the hidden state carried and
detached, dropout on the embedding output, between layers and before the tied softmax (as the preset), cross-entropy
averaged over the window's words times 35 (summed over steps, averaged over sequences), the loss read every step
(the trainer's non-finite check), gradient norm clipped to 5, plain SGD at lr 1; the BAN+L step adds the teacher's
forward in eval() under inference_mode (cloned out of it), carrying its own state, and the soft cross-entropy plus the
label one, both read off one log-softmax whose label term is also the train perplexity's (as BanPlusLabel at T = 1).
"""
import argparse
import math
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class WideBasicBlock(nn.Module):
    def __init__(self, cin, cout, stride, drop):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.dropout = nn.Dropout(drop)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.shortcut = None if cin == cout and stride == 1 else nn.Conv2d(cin, cout, 1, stride=stride, bias=False)

    def forward(self, x):
        activated = F.relu(self.bn1(x))
        residual = self.conv1(activated)
        residual = self.conv2(self.dropout(F.relu(self.bn2(residual))))
        return residual + (x if self.shortcut is None else self.shortcut(activated))


class WideResNet(nn.Module):
    def __init__(self, depth, widen, classes, channels=3, drop=0.3):
        super().__init__()
        units = (depth - 4) // 6
        self.conv1 = nn.Conv2d(channels, 16, 3, padding=1, bias=False)
        stages, cin = [], 16
        for s, cout in enumerate([16 * widen, 32 * widen, 64 * widen]):
            blocks = []
            for u in range(units):
                blocks.append(WideBasicBlock(cin, cout, 2 if s > 0 and u == 0 else 1, drop))
                cin = cout
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        self.bn = nn.BatchNorm2d(cin)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        features = F.relu(self.bn(self.stages(self.conv1(x))))
        return self.fc(F.adaptive_avg_pool2d(features, 1).flatten(1))


class DenseLayer(nn.Module):
    def __init__(self, cin, growth):
        super().__init__()
        self.layers = nn.Sequential(
            nn.BatchNorm2d(cin), nn.ReLU(inplace=True), nn.Conv2d(cin, 4 * growth, 1, bias=False),
            nn.BatchNorm2d(4 * growth), nn.ReLU(inplace=True), nn.Conv2d(4 * growth, growth, 3, padding=1, bias=False))

    def forward(self, x):
        return torch.cat([x, self.layers(x)], 1)


class DenseNetBC(nn.Module):
    """DenseNet-BC-depth-growth for CIFAR: three blocks of (depth-4)/6 bottleneck units, compression 0.5."""

    def __init__(self, depth, growth, classes, channels=3, compression=0.5):
        super().__init__()
        units = (depth - 4) // 6
        c = 2 * growth
        self.conv0 = nn.Conv2d(channels, c, 3, padding=1, bias=False)
        steps = []
        for b in range(3):
            steps.append(nn.Sequential(*[DenseLayer(c + i * growth, growth) for i in range(units)]))
            c += units * growth
            if b < 2:
                out = int(c * compression)
                steps += [nn.BatchNorm2d(c), nn.ReLU(inplace=True), nn.Conv2d(c, out, 1, bias=False), nn.AvgPool2d(2, stride=2)]
                c = out
        steps += [nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*steps)
        self.classifier = nn.Linear(c, classes)

    def forward(self, x):
        return self.classifier(F.adaptive_avg_pool2d(self.features(self.conv0(x)), 1).flatten(1))


class LstmLanguageModel(nn.Module):
    """BanStudio's LstmLanguageModel with tied weights: embedding, dropout, LSTM (dropout between layers), dropout, tied softmax."""

    def __init__(self, layers, units, vocabulary, dropout):
        super().__init__()
        self.encoder = nn.Embedding(vocabulary, units)
        self.drop = nn.Dropout(dropout)
        self.rnn = nn.LSTM(units, units, layers, dropout=dropout if layers > 1 else 0)
        self.decoder = nn.Linear(units, vocabulary)
        self.decoder.weight = self.encoder.weight

    def forward(self, words, state):
        output, state = self.rnn(self.drop(self.encoder(words)), state)
        return self.decoder(self.drop(output)), state


# The dropout of BanStudio's language-model presets (ModelPresets.cs); the CPU preset LSTM-2x200 uses 0.2.
LSTM_DROPOUT = {"LSTM-2x200": 0.2, "LSTM-1x1500": 0.65, "LSTM-2x1500": 0.65}


def build(name, classes):
    parts = name.split("-")
    if parts[0] == "WRN":
        return WideResNet(int(parts[1]), int(parts[2]), classes)
    if name.startswith("DenseNet-BC-"):
        return DenseNetBC(int(parts[2]), int(parts[3]), classes)
    if parts[0] == "LSTM" and name in LSTM_DROPOUT:
        layers, units = (int(v) for v in parts[1].split("x"))
        return LstmLanguageModel(layers, units, classes, LSTM_DROPOUT[name])
    raise SystemExit(f"pytorch_bench.py: no PyTorch definition for {name}; known: WRN-d-k, DenseNet-BC-d-k, {', '.join(LSTM_DROPOUT)}")


class Loader:
    """One epoch of batches from a uint8 [N,C,H,W] tensor: randperm, gather, crop+flip in one gather, normalise."""

    def __init__(self, images, labels, batch, generator, pad=4, dtype=torch.float32):
        self.images, self.labels, self.batch, self.g, self.pad, self.dtype = images, labels, batch, generator, pad, dtype
        c, self.device = images.shape[1], images.device
        self.mean = torch.full((1, c, 1, 1), 0.5, device=self.device)
        self.std = torch.full((1, c, 1, 1), 0.29, device=self.device)

    def epoch(self):
        n = self.images.shape[0]
        order = torch.randperm(n, generator=self.g, device=self.device)
        for start in range(0, n, self.batch):
            index = order[start:start + self.batch]
            yield self.transform(self.images.index_select(0, index)), self.labels.index_select(0, index)

    def transform(self, x):
        b, c, h, w = x.shape
        p = self.pad
        d = self.device
        top = torch.randint(0, 2 * p + 1, (b,), generator=self.g, device=d)
        left = torch.randint(0, 2 * p + 1, (b,), generator=self.g, device=d)
        flip = torch.rand(b, generator=self.g, device=d) < 0.5
        rows = top.unsqueeze(1) + torch.arange(h, device=d)
        cols = left.unsqueeze(1) + torch.arange(w, device=d)
        cols = torch.where(flip.unsqueeze(1), cols.flip(1), cols)
        padded = F.pad(x, (p, p, p, p))
        index = (rows.unsqueeze(2) * (w + 2 * p) + cols.unsqueeze(1)).view(b, 1, h * w).expand(b, c, h * w)
        x = padded.reshape(b, c, -1).gather(2, index).view(b, c, h, w)
        # Normalised in float32, then cast to the model's number format (as BanModel.Input does).
        return x.float().div_(255).sub_(self.mean).div_(self.std).to(self.dtype)


def epoch(model, teacher, loader, optimizer, cpu=None):
    """One timed pass; metrics accumulate on the device and are read once at the end, as our trainer does."""
    model.train()
    loss_sum = torch.zeros((), dtype=torch.float64, device=loader.device)
    wrong = torch.zeros((), dtype=torch.int64, device=loader.device)
    seen = 0
    start, processor = time.perf_counter(), time.process_time()
    for x, y in loader.epoch():
        logits = model(x).float()  # the loss on float32 logits, as BanModel.Output gives them
        if teacher is None:
            loss = F.cross_entropy(logits, y)
        else:
            with torch.inference_mode():
                t = teacher(x).float()
            p = t.clone().softmax(1)
            loss = -(p * logits.log_softmax(1)).sum(1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            loss_sum += loss.detach() * y.shape[0]
            wrong += logits.argmax(1).ne(y).sum()
        seen += y.shape[0]
    if not torch.isfinite(loss_sum):  # reads the device, so the clock below includes every queued kernel
        raise SystemExit("loss became non-finite")
    if cpu is not None:
        cpu.append(1000 * (time.process_time() - processor) / seen)
    return seen / (time.perf_counter() - start)


def sequence_epoch(model, teacher, data, window, optimizer, cpu=None):
    """One timed pass over [rows, batch] word ids in BPTT windows, as SequenceTrainer.TrainEpoch does it."""
    model.train()
    parameters = [p for p in model.parameters() if p.requires_grad]
    state = teacher_state = None
    loss_sum, wrong, seen = 0.0, 0, 0
    start, processor = time.perf_counter(), time.process_time()
    for i in range(0, data.shape[0] - 1, window):
        x, y = data[i:i + window], data[i + 1:i + 1 + window].flatten()
        logits, state = model(x, state)
        state = tuple(s.detach() for s in state)  # truncated BPTT
        flat = logits.view(-1, logits.shape[-1])
        if teacher is None:
            loss = label = F.cross_entropy(flat, y)
        else:
            with torch.inference_mode():
                t, teacher_state = teacher(x, teacher_state)
            t = t.clone()
            log_q = flat.log_softmax(1)
            label = F.nll_loss(log_q, y)
            loss = -(t.view_as(flat).softmax(1) * log_q).sum(1).mean() + label
        value = loss.item()
        if not math.isfinite(value):  # reads the device every window, as SequenceTrainer does
            raise SystemExit("loss became non-finite")
        optimizer.zero_grad()
        (loss * x.shape[0]).backward()
        nn.utils.clip_grad_norm_(parameters, 5)
        optimizer.step()
        label_loss = label.item()
        loss_sum += label_loss * y.shape[0]
        wrong += flat.argmax(1).ne(y).sum().item()
        seen += y.shape[0]
    if cpu is not None:
        cpu.append(1000 * (time.process_time() - processor) / seen)
    return seen / (time.perf_counter() - start)


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--model", required=True)
    a.add_argument("--batch", type=int, default=64)
    a.add_argument("--steps", type=int, default=12)
    a.add_argument("--warmup", type=int, default=2)
    a.add_argument("--repeats", type=int, default=3)
    a.add_argument("--threads", type=int, required=True)
    a.add_argument("--classes", type=int, default=10)
    a.add_argument("--vocabulary", type=int, default=10_000)
    a.add_argument("--window", type=int, default=35)
    a.add_argument("--no-ban", action="store_true")
    a.add_argument("--device", default="cpu", help="cpu or cuda (as our bench --device)")
    a.add_argument("--precision", default="float32", choices=["float32", "bfloat16", "float16"],
                   help="image models: pure half mode with BatchNorm kept in float32, as ours")
    a.add_argument("--tf32", default="on", choices=["on", "off"], help="CUDA: TensorFloat-32 for float32 matmul and cuDNN (ours: on by default)")
    a.add_argument("--onednn", default="on", choices=["on", "off"],
                   help="CPU convolutions through oneDNN (torch.backends.mkldnn.enabled); compare-pytorch.sh passes off where ours runs without it")
    o = a.parse_args()
    torch.set_num_threads(o.threads)
    torch.backends.mkldnn.enabled = o.onednn == "on"
    torch.manual_seed(1)
    device = torch.device(o.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = o.tf32 == "on"
        torch.backends.cudnn.allow_tf32 = o.tf32 == "on"
    g = torch.Generator(device=device).manual_seed(1)
    language = o.model.startswith("LSTM-")
    if language and o.precision != "float32":
        raise SystemExit("pytorch_bench.py: the language models train in float32 only (as ours)")
    dtype = getattr(torch, o.precision)
    classes = o.vocabulary if language else o.classes
    model, teacher = build(o.model, classes).to(device), build(o.model, classes).to(device)
    for m in (model, teacher):
        if dtype != torch.float32:
            m.to(dtype)
            for layer in m.modules():
                if isinstance(layer, nn.BatchNorm2d):
                    layer.float()  # BatchNorm's weights and statistics stay float32 (BanModel.UsePrecision)
    teacher.eval()
    params = sum(p.numel() for p in model.parameters())
    if language:
        # The language models' schedule (docs/language-models.md): plain SGD at lr 1, clipping in sequence_epoch.
        optimizer = torch.optim.SGD(model.parameters(), lr=1)
        unit, step_items = "tokens", o.batch * o.window

        def data(steps):
            return torch.randint(0, o.vocabulary, (steps * o.window + 1, o.batch), generator=g, device=device)

        def run(d, t, cpu=None):
            return sequence_epoch(model, t, d, o.window, optimizer, cpu)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4, nesterov=True)
        unit, step_items = "images", o.batch

        def data(steps):
            n = steps * o.batch
            return Loader(torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8, generator=g, device=device),
                          torch.randint(0, o.classes, (n,), generator=g, device=device), o.batch, g, dtype=dtype)

        def run(d, t, cpu=None):
            return epoch(model, t, d, optimizer, cpu)

    print(f"pytorch {torch.__version__} {o.model} ({params / 1e6:.2f}M parameters): batch {o.batch}, {o.steps} steps x "
          f"{o.repeats} repeats after {o.warmup} warm-up, {torch.get_num_threads()} threads, {o.device}"
          + (f" ({torch.cuda.get_device_name(device)}, TF32 {o.tf32})" if device.type == "cuda" else "") + f", {o.precision}", flush=True)
    print(f"parameters {params:,}")
    timed = data(o.steps)
    if o.warmup > 0:
        warm = data(o.warmup)
        run(warm, None)
        if not o.no_ban:
            run(warm, teacher)
    label, ban, cpu, ban_cpu = [], [], [], []
    for r in range(o.repeats):
        label.append(run(timed, None, cpu))
        if not o.no_ban:
            ban.append(run(timed, teacher, ban_cpu))
        print(f"  repeat {r + 1}/{o.repeats}: label-only {label[-1]:.1f} {unit}/s" + ("" if o.no_ban else f", BAN {ban[-1]:.1f} {unit}/s"), flush=True)
    median = statistics.median(label)
    print(f"{median:.1f} {unit}/s  {o.model} label-only training step, median of {len(label)} ({1000 * step_items / median:.0f} ms a step)")
    if language:
        print(f"cpu {1000 * statistics.median(cpu):.2f} ms per 1000 tokens (processor time of all threads, label-only, median)")
    else:
        print(f"cpu {statistics.median(cpu):.2f} ms per image (processor time of all threads, label-only, median)")
    if ban:
        print(f"BAN step {statistics.median([l / b for l, b in zip(label, ban)]):.2f}x a label-only step ({statistics.median(ban):.1f} {unit}/s; "
              f"in processor time {statistics.median([b / l for b, l in zip(ban_cpu, cpu)]):.2f}x)")
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB resident")
    if device.type == "cuda":
        print(f"peak GPU memory {torch.cuda.max_memory_allocated(device) / 2**20:.0f} MiB allocated")


if __name__ == "__main__":
    main()
