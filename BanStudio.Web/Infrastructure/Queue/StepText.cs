using System.Globalization;
using BanStudio.Training.Experiments;
using BanStudio.Training.Training;

namespace BanStudio.Web.Infrastructure.Queue;

/// <summary>How a step and its outcome read in a log line: the same words in the CLI's output and the live page's log panel.</summary>
public static class StepText
{
    public static string Describe(PlanStep step) => step.Kind == StepKind.Ensemble
        ? $"softmax average of {string.Join(", ", step.Members)}"
        : $"{step.Model!.DisplayName}, {Training.Objectives.Objective.NameOf(step.Objective)}" +
          (step.TeacherKey is not { } teacher ? "" : step.LearnsFromTeacher ? $" from {teacher}" : $" (conv1 and fc-output of {teacher})");

    public static string Started(StepStarted s) => $"[{s.Index + 1}/{s.Total}] {s.Step.Key} ({s.Step.Column}, {Describe(s.Step)})";

    public static string Outcome(ModelResult r) => r.Status != TrainingStatus.Completed
        ? $"{r.Status.ToString().ToLowerInvariant()}: {r.Reason}"
        : r.FinalValidPerplexity is { } valid // a language model: perplexity, lower is better
        ? string.Create(CultureInfo.InvariantCulture, $"final-epoch valid perplexity {valid:0.00}, test perplexity {r.FinalTestPerplexity:0.00}")
        : string.Create(CultureInfo.InvariantCulture, $"final-epoch test error {r.FinalTestError * 100:0.00}%") +
          (r.BestTestError is { } b ? string.Create(CultureInfo.InvariantCulture, $", best-epoch {b * 100:0.00}% (epoch {r.BestEpoch})") : "") +
          (r.ImprovementOverTeacher is { } d ? string.Create(CultureInfo.InvariantCulture, $", {d:+0.00;-0.00} points vs teacher") : "");

    public static string Finished(StepFinished f) => $"{f.Step.Key}: {Outcome(f.Result)}{(f.Reused ? " (finished earlier, reused)" : "")}";
}
