using System.CommandLine;
using BanStudio.Training.Data;
using BanStudio.Training.Models;

namespace BanStudio.Web.Cli;

/// <summary><c>models</c>: one line per preset with its parameter count for 10 and for 100 classes (32x32 RGB).</summary>
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
            foreach (var preset in presets)
            {
                long ten = preset.Spec.CountParameters(new DataShape(3, 32, 10));
                long hundred = preset.Spec.CountParameters(new DataShape(3, 32, 100));
                output.WriteLine($"{preset.Name.PadRight(width)}{Millions(ten),10}{Millions(hundred),13}");
            }
            return 0;
        });
        return command;
    }

    public static string Millions(long count) => $"{count / 1e6:0.00}M";
}
