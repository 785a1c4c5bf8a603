using System.CommandLine;
using BanStudio.Training.Data;
using BanStudio.Training.Language;
using BanStudio.Training.Models;

namespace BanStudio.Web.Cli;

/// <summary>
/// <c>models</c>: one line per image preset with its parameter count for 10 and for 100 classes (32x32 RGB), then
/// the language models with their count for PTB's 10,000-word vocabulary and the paper's.
/// </summary>
public static class ModelsVerb
{
    public static Command Create(TextWriter output)
    {
        var command = new Command("models", "List the model presets with their parameter counts for 10 and 100 classes (CIFAR-shaped input).");
        command.SetAction(_ =>
        {
            var presets = ModelPresets.All;
            int width = presets.Max(p => p.Name.Length) + 2;
            output.WriteLine($"{"preset".PadRight(width)}{"10 classes",10}{"100 classes",13}");
            foreach (var preset in presets.Where(p => p.Spec is not LanguageModelSpec))
            {
                long ten = preset.Spec.CountParameters(new DataShape(3, 32, 10));
                long hundred = preset.Spec.CountParameters(new DataShape(3, 32, 100));
                output.WriteLine($"{preset.Name.PadRight(width)}{Millions(ten),10}{Millions(hundred),13}");
            }
            output.WriteLine();
            output.WriteLine($"{"language model".PadRight(width)}{"PTB, 10k words",16}{"paper",10}");
            foreach (var preset in presets.Where(p => p.Spec is LanguageModelSpec))
            {
                long count = ((LanguageModelSpec)preset.Spec).CountParameters();
                string paper = preset.Paper.Count == 0 ? "" : $"{preset.Paper[0].Millions}M";
                output.WriteLine($"{preset.Name.PadRight(width)}{Millions(count),16}{paper,10}");
            }
            return 0;
        });
        return command;
    }

    public static string Millions(long count) => $"{count / 1e6:0.00}M";
}
