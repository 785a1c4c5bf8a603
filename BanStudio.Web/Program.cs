using System.Globalization;
using BanStudio.Training.Training;
using BanStudio.Web.Cli;

// Numbers read the same whatever LANG says: "0.37M", "12.34%", as in the CSV files, the docs and the paper (a German
// locale printed "0,37M" in the CLI and "12,34%" on the pages beside invariant figures). Every thread, pages' included.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;

// The main thread trains (glibc keeps large freed blocks only in its arena; see TrainingThread): the app and the verbs
// run from here, and their trainings come back to this thread. Should a training not stop within 10 s of the app's end
// (Ctrl+C's grace has run out, say), the process exits with the app's code all the same.
return TrainingThread.HostOnThisThread(() => CliApp.RunAsync(args),
    stuck: ended => Environment.Exit(ended.IsCompletedSuccessfully ? ended.Result : 1), grace: TimeSpan.FromSeconds(10));
