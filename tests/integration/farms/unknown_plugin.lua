plugin "nosuchplugin"
