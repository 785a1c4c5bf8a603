using BanStudio.Training.Training;
using BanStudio.Web.Cli;

// The main thread trains (glibc keeps large freed blocks only in its arena; see TrainingThread): the app and the verbs
// run from here, and their trainings come back to this thread.
return TrainingThread.HostOnThisThread(() => CliApp.RunAsync(args));
