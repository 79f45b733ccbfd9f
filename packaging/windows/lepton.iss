; Inno Setup script: a per-user installer for the one-folder build (dist\lepton-desktop).
; Built by packaging\windows\build.ps1, which passes /DAppVersion from pyproject.toml.
#ifndef AppVersion
  #define AppVersion "0"
#endif

[Setup]
AppId={{6C0F3F0B-7B8A-4D59-9D2E-2B9B1F4C1E11}
AppName=Lepton Desktop
AppVersion={#AppVersion}
AppPublisher=Lepton
DefaultDirName={localappdata}\Programs\Lepton Desktop
DefaultGroupName=Lepton Desktop
PrivilegesRequired=lowest
OutputDir=..\..\dist
OutputBaseFilename=lepton-desktop-{#AppVersion}-windows-x64-setup
Compression=lzma2/ultra64
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible
WizardStyle=modern
UninstallDisplayName=Lepton Desktop

[Files]
Source: "..\..\dist\lepton-desktop\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{group}\Lepton Desktop"; Filename: "{app}\lepton-desktop.exe"
Name: "{userdesktop}\Lepton Desktop"; Filename: "{app}\lepton-desktop.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\lepton-desktop.exe"; Description: "Start Lepton Desktop"; Flags: nowait postinstall skipifsilent
